import express from 'express';
import { join } from 'node:path';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createLeadsplit } from '../../src/index';
import { API_KEY, campaignBody, silentLogger, tempDir } from '../helpers';

describe('createLeadsplit mounted in a host app', () => {
  it('serves under its prefix beside the host routes, and builds links with the prefix', async () => {
    const leadsplit = createLeadsplit({
      database: join(tempDir(), 'host.db'),
      publicUrl: 'https://host.example.com/ab/',
      apiKey: API_KEY,
      logger: silentLogger(),
    });
    const host = express();
    host.get('/', (_req, res) => {
      res.send('host home');
    });
    host.use(express.json());
    host.post('/orders', (req, res) => {
      res.status(201).json({ received: req.body });
    });
    host.use('/ab', leadsplit.router);
    host.get('/after', (_req, res) => {
      res.send('host after');
    });

    const created = await request(host)
      .post('/ab/api/campaigns')
      .set('Authorization', `Bearer ${API_KEY}`)
      .send(campaignBody())
      .expect(201);

    expect(created.headers.location).toBe(`/ab/api/campaigns/${created.body.id}`);
    expect(created.body.links[0].trackingUrl).toBe(
      'https://host.example.com/ab/t/c/{messageId}/shop',
    );
    await request(host)
      .get(`/ab/api/campaigns/${created.body.id}`)
      .set('Authorization', `Bearer ${API_KEY}`)
      .expect(200);
    expect((await request(host).get('/').expect(200)).text).toBe('host home');
    expect((await request(host).post('/orders').send({ n: 1 }).expect(201)).body).toEqual({
      received: { n: 1 },
    });
    expect((await request(host).get('/after').expect(200)).text).toBe('host after');
    await request(host).get('/api/campaigns').expect(404);
    await leadsplit.close();
  });

  it('works on a better-sqlite3 handle the host owns, and leaves it open on close', async () => {
    const { default: Database } = await import('better-sqlite3');
    const handle = new Database(join(tempDir(), 'owned.db'));
    const leadsplit = createLeadsplit({
      database: handle,
      publicUrl: 'http://localhost',
      apiKey: API_KEY,
      logger: silentLogger(),
    });

    await leadsplit.close();

    expect(handle.open).toBe(true);
    expect(handle.prepare('SELECT count(*) FROM campaigns').pluck().get()).toBe(0);
    handle.close();
  });
});

describe('the API key', () => {
  it('answers 401 alike for a missing, malformed or wrong key', async () => {
    const leadsplit = createLeadsplit({
      database: join(tempDir(), 'keys.db'),
      publicUrl: 'http://localhost',
      apiKey: API_KEY,
      logger: silentLogger(),
    });
    const app = express().use(leadsplit.router);

    const answers = await Promise.all(
      [undefined, 'Basic abc', 'Bearer', `Bearer ${API_KEY}x`, `bearer ${API_KEY}`].map(
        (header) => {
          const req = request(app).get('/api/campaigns');
          return (header ? req.set('Authorization', header) : req).expect(401);
        },
      ),
    );

    const bodies = new Set(answers.map((a) => JSON.stringify(a.body)));
    expect(bodies.size).toBe(1);
    expect(answers[0]!.body).toEqual({
      error: { code: 'unauthorized', message: 'A valid API key is required.' },
    });
    await leadsplit.close();
  });

  it('is generated once, shown once, and stored only as a hash', async () => {
    const file = join(tempDir(), 'generated.db');
    const first = createLeadsplit({
      database: file,
      publicUrl: 'http://x',
      logger: silentLogger(),
    });
    const key = first.generated.apiKey!;
    const stored = first.context.sqlite.prepare('SELECT value FROM settings').pluck().all();
    await first.close();

    const second = createLeadsplit({
      database: file,
      publicUrl: 'http://x',
      logger: silentLogger(),
    });
    const app = express().use(second.router);

    expect(key).toMatch(/^ls_[A-Za-z0-9_-]{43}$/);
    expect(second.generated.apiKey).toBeUndefined();
    expect(stored.some((value) => String(value).includes(key))).toBe(false);
    await request(app).get('/api/campaigns').set('Authorization', `Bearer ${key}`).expect(200);
    await second.close();
  });
});
