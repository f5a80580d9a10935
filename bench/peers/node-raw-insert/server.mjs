// The smallest webhook receiver that does what a receiver must: check
// Meta's signature on the raw bytes, insert the raw body, answer 200
// only after the insert commits. bench/webhook-ingest runs it beside
// wabizd, on the same PostgreSQL and with the same load, so that
// wabizd's rate has a peer to be compared with.
//
//   DATABASE_URL=… APP_SECRET=… PORT=0 node server.mjs
// prints "peer: listening on http://127.0.0.1:PORT" when ready.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import pg from 'pg';

const secret = process.env.APP_SECRET;
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 32 });

await pool.query(`CREATE TABLE IF NOT EXISTS peer_events
                  (id bigserial PRIMARY KEY, received_at timestamptz NOT NULL DEFAULT now(), body text NOT NULL)`);

const server = createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/webhook') {
    res.writeHead(404).end();
    return;
  }
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', async () => {
    const body = Buffer.concat(chunks);
    const given = Buffer.from(String(req.headers['x-hub-signature-256'] || '').replace(/^sha256=/, ''), 'hex');
    const wanted = createHmac('sha256', secret).update(body).digest();
    if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
      res.writeHead(401).end();
      return;
    }
    try {
      await pool.query('INSERT INTO peer_events (body) VALUES ($1)', [body.toString('utf8')]);
      res.writeHead(200).end();
    } catch {
      res.writeHead(503).end();
    }
  });
});

server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  console.log(`peer: listening on http://127.0.0.1:${server.address().port}`);
});
