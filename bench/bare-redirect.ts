// The baselines of the click benchmark: Express 5 routes answering the same 302 and nothing
// else. `/t/c/…` writes the click route's very bytes (its headers and empty body); `/r/…` is
// the route as one would write it, with res.redirect (a short body and two more headers).
import express from 'express';

const LOCATION = 'https://shop.example.com/spring?lsid=AAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBB';

const app = express();
app.disable('x-powered-by');
app.disable('etag');
app.get('/t/c/:messageId/:linkKey', (_req, res) => {
  res
    .writeHead(302, [
      'Location',
      LOCATION,
      'Cache-Control',
      'no-store',
      'Referrer-Policy',
      'no-referrer',
      'Content-Length',
      '0',
    ])
    .end();
});
app.get('/r/c/:messageId/:linkKey', (_req, res) => {
  res.redirect(302, LOCATION);
});
const server = app.listen(Number(process.env.PORT), '127.0.0.1');
process.once('SIGTERM', () => server.close(() => process.exit(0)));
