// The baseline of the click benchmark: Express 5 answering the same 302 and nothing else.
import express from 'express';

const app = express();
app.disable('x-powered-by');
app.get('/t/c/:messageId/:linkKey', (_req, res) => {
  res.redirect(302, 'https://shop.example.com/spring?lsid=AAAAAAAAAAAAAAAAAAAAAA.BBBBBBBBBBBBBBBB');
});
const server = app.listen(Number(process.env.PORT), '127.0.0.1');
process.once('SIGTERM', () => server.close(() => process.exit(0)));
