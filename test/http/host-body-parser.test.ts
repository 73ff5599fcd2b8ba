import express from 'express';
import { createHmac, generateKeyPairSync } from 'node:crypto';
import pino from 'pino';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { API_KEY, startApp } from '../helpers';

const SECRET = 'host-parser-test-secret-0123456789abcdef';

/**
 * The plugin in a host app whose own body parsers run before it, as `app.use(express.json())`
 * at the top of an app does; errors are kept in `logs`.
 */
function hostApp(parsers: express.RequestHandler[]) {
  const logs: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'error' },
    { write: (line: string) => logs.push(JSON.parse(line) as Record<string, unknown>) },
  );
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const { leadsplit } = startApp({
    secret: SECRET,
    logger,
    sendgridWebhookPublicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
  });
  const host = express();
  for (const parser of parsers) host.use(parser);
  host.use('/ab', leadsplit.router);
  return { host, logs, leadsplit };
}

function postSigned(host: express.Express, body: unknown) {
  const raw = JSON.stringify(body);
  const t = Math.floor(Date.now() / 1000);
  const v1 = createHmac('sha256', SECRET).update(`${t}.${raw}`).digest('hex');
  return request(host)
    .post('/ab/t/conversions')
    .set('Content-Type', 'application/json')
    .set('Leadsplit-Signature', `t=${t},v1=${v1}`)
    .send(raw);
}

const conversion = { email: 'ann@example.com', goal: 'purchase', idempotencyKey: 'order-1' };

describe('a host app that parses bodies before leadsplit', () => {
  it('answers a signed postback with an error naming the mount order, logged once', async () => {
    const { host, logs, leadsplit } = hostApp([express.json()]);

    const first = await postSigned(host, conversion);
    const second = await postSigned(host, { ...conversion, idempotencyKey: 'order-2' });

    for (const res of [first, second]) {
      expect(res.status).toBe(500);
      expect(res.body.error.code).toBe('body_parsed_by_host');
      expect(res.body.error.message).toMatch(/Mount leadsplit's router before the body parsers/);
    }
    expect(logs).toEqual([
      expect.objectContaining({ route: '/t/conversions', code: 'body_parsed_by_host' }),
    ]);
    const receipts = leadsplit.context.sqlite.prepare('SELECT count(*) FROM conversion_receipts');
    expect(receipts.pluck().get()).toBe(0);
  });

  it('answers the SendGrid webhook with the same error', async () => {
    const { host } = hostApp([express.json()]);

    const res = await request(host)
      .post('/ab/webhooks/sendgrid')
      .set('Content-Type', 'application/json')
      .send('[]');

    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe('body_parsed_by_host');
  });

  it('answers a CSV import the host read as text with the same error, without waiting', async () => {
    const { host } = hostApp([express.text({ type: 'text/csv' })]);

    const res = await request(host)
      .post('/ab/api/conversions')
      .set('Authorization', `Bearer ${API_KEY}`)
      .type('text/csv')
      .send('email,goal,date\nann@example.com,purchase,2026-03-03\n');

    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe('body_parsed_by_host');
  });

  it('still takes a JSON import the host has parsed', async () => {
    const { host } = hostApp([express.json()]);

    const res = await request(host)
      .post('/ab/api/conversions')
      .set('Authorization', `Bearer ${API_KEY}`)
      .send([{ email: 'ann@example.com', goal: 'purchase', date: '2020-03-03' }]);

    expect(res.status).toBe(200);
    expect(res.body.unmatched).toMatchObject([{ row: 2, code: 'unknown_prospect' }]);
  });

  it('takes a signed postback when leadsplit is mounted before the parser', async () => {
    const { leadsplit } = startApp({ secret: SECRET, logger: pino({ level: 'silent' }) });
    const host = express();
    host.use('/ab', leadsplit.router);
    host.use(express.json());

    const res = await postSigned(host, conversion);

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ attributed: 0, reason: 'unknown_prospect' });
  });
});
