// The baseline of the click benchmark: an Express 5 route answering the same 302 as the click
// route, byte for byte (its headers and empty body), and nothing else.
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
const server = app.listen(Number(process.env.PORT), '127.0.0.1');
process.once('SIGTERM', () => server.close(() => process.exit(0)));
