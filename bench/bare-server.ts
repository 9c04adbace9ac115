// The baseline for scenario 1: the least an Express 5 CDS Hooks endpoint must do (parse the same JSON body with
// the same 10 MB limit, answer {"cards": []}), run as its own child process like hookwise. hookwise's req/s
// divided by this one's is the share of the budget left after the framework's own cost.
import express from 'express';

const app = express();
app.disable('x-powered-by');
app.set('etag', false);
app.use(express.json({ limit: '10mb' }));
app.get('/cds-services', (_req, res) => {
  res.json({ services: [] });
});
app.post('/cds-services/:id', (req, res) => {
  // Touch the parsed body so the parse cannot be skipped by any laziness.
  if (typeof req.body !== 'object' || req.body === null) res.status(400);
  res.json({ cards: [] });
});

const port = Number(process.env.PORT ?? '0');
const server = app.listen(port, process.env.HOST ?? '127.0.0.1');
// Same keep-alive as hookwise's server.ts, so both are measured under the same connection reuse.
server.keepAliveTimeout = 5000;
process.on('SIGTERM', () => server.close(() => process.exit(0)));
