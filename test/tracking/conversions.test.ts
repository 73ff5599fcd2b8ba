import { createHmac } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config';
import { conversionToken } from '../../src/tracking/token';
import { campaignBody, manualClock, startApp, tableCounts } from '../helpers';

const SECRET = 'conversion-test-secret-0123456789abcdef';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface SentMessage {
  id: string;
  prospectId: number;
  variantId: number;
  email: string;
  externalId: string | null;
}

/** Sixteen prospects, the first four with CRM ids, so both variants surely have some. */
const PROSPECTS =
  'email,first_name,external_id\n' +
  Array.from(
    { length: 16 },
    (_, i) => `user${i}@example.com,User ${i},${i < 4 ? `crm-${i}` : ''}`,
  ).join('\n') +
  '\n';

/**
 * A campaign with the goal "purchase" and a 7-day window, every prospect emailed at the
 * clock's start, the clock then an hour on; postbacks go through the whole plugin.
 */
async function sentCampaign(options: { postbacksPerMinute?: number } = {}) {
  const clock = manualClock();
  const testApp = startApp({ clock, secret: SECRET, ...options });
  const { api, leadsplit } = testApp;
  const { body: campaign } = await api
    .post('/api/campaigns')
    .send(campaignBody({ testFraction: 1, attributionWindowDays: 7 }))
    .expect(201);
  await api
    .post(`/api/campaigns/${campaign.id}/prospects`)
    .type('text/csv')
    .send(PROSPECTS)
    .expect(200);
  await api.post(`/api/campaigns/${campaign.id}/launch`).expect(200);
  await leadsplit.worker.drain();
  const sentAt = clock().getTime();
  clock.advance(HOUR);

  const { sqlite } = leadsplit.context;
  const messages = sqlite
    .prepare(
      `SELECT m.id, m.prospect_id AS prospectId, m.variant_id AS variantId, p.email,
              p.external_id AS externalId
         FROM messages m JOIN prospects p ON p.id = m.prospect_id
        WHERE m.status = 'sent' ORDER BY p.id`,
    )
    .all() as SentMessage[];
  const { app } = testApp;
  const nowSeconds = () => Math.floor(clock().getTime() / 1000);

  return {
    ...testApp,
    sqlite,
    clock,
    sentAt,
    campaignId: campaign.id as number,
    messages,
    message: (email: string) => messages.find((m) => m.email === email)!,
    nowSeconds,
    /** Posts a body as a marketer's server does: HMAC-SHA256 of "<t>.<body>", hex. */
    postSigned(body: unknown, sign: { secret?: string; t?: number; header?: string } = {}) {
      const raw = typeof body === 'string' ? body : JSON.stringify(body);
      const t = sign.t ?? nowSeconds();
      return request(app)
        .post('/t/conversions')
        .set('Content-Type', 'application/json')
        .set('Leadsplit-Signature', sign.header ?? `t=${t},v1=${hmacHex(raw, t, sign.secret)}`)
        .send(raw);
    },
    conversions: () =>
      sqlite
        .prepare(
          `SELECT campaign_id AS campaignId, variant_id AS variantId, prospect_id AS prospectId,
                  goal, value, currency, occurred_at AS occurredAt, source
             FROM conversions ORDER BY id`,
        )
        .all(),
    receipts: () =>
      sqlite
        .prepare(
          `SELECT idempotency_key AS idempotencyKey, source, goal, prospect_id AS prospectId,
                  value, currency, occurred_at AS occurredAt, attributed
             FROM conversion_receipts ORDER BY id`,
        )
        .all(),
  };
}

type Setup = Awaited<ReturnType<typeof sentCampaign>>;

const hmacHex = (body: string | Buffer, t: number, secret = SECRET) =>
  createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex');

const report = (overrides: Record<string, unknown>) => ({
  goal: 'purchase',
  idempotencyKey: 'order-1001',
  ...overrides,
});

describe('POST /t/conversions, signed', () => {
  it('records a conversion by token with the variant of the email it came from', async () => {
    const setup = await sentCampaign();
    const variants = [...new Set(setup.messages.map((m) => m.variantId))];
    expect(variants).toHaveLength(2);
    const picked = variants.map((v) => setup.messages.find((m) => m.variantId === v)!);

    for (const [i, message] of picked.entries()) {
      const res = await setup
        .postSigned(
          report({
            token: conversionToken(SECRET, message.id),
            value: 49.9,
            currency: 'EUR',
            idempotencyKey: `order-${i}`,
          }),
        )
        .expect(200);
      expect(res.body).toEqual({
        duplicate: false,
        attributed: 1,
        conversions: [
          {
            campaignId: setup.campaignId,
            variantId: message.variantId,
            newCustomer: true,
            valueAdded: true,
          },
        ],
      });
    }

    const now = setup.clock().getTime();
    expect(setup.conversions()).toEqual(
      picked.map((m) => ({
        campaignId: setup.campaignId,
        variantId: m.variantId,
        prospectId: m.prospectId,
        goal: 'purchase',
        value: 49.9,
        currency: 'EUR',
        occurredAt: now,
        source: 'postback',
      })),
    );
    expect(setup.receipts()).toEqual(
      picked.map((m, i) => ({
        idempotencyKey: `order-${i}`,
        source: 'postback',
        goal: 'purchase',
        prospectId: m.prospectId,
        value: 49.9,
        currency: 'EUR',
        occurredAt: now,
        attributed: 1,
      })),
    );
  });

  it('finds the prospect by email, whatever its case and surrounding spaces', async () => {
    const setup = await sentCampaign();
    const message = setup.message('user5@example.com');

    await setup.postSigned(report({ email: '  User5@Example.COM ' })).expect(200);

    expect(setup.conversions()).toMatchObject([
      { prospectId: message.prospectId, variantId: message.variantId, value: null },
    ]);
  });

  it('finds the prospect by external id', async () => {
    const setup = await sentCampaign();
    const message = setup.message('user2@example.com');

    const res = await setup.postSigned(report({ externalId: 'crm-2' })).expect(200);

    expect(res.body).toMatchObject({ attributed: 1 });
    expect(setup.conversions()).toMatchObject([
      { prospectId: message.prospectId, variantId: message.variantId },
    ]);
  });

  const badSignatures: [string, (s: Setup) => Record<string, string | number>][] = [
    ['a missing header', () => ({ header: '' })],
    ['a malformed header', () => ({ header: 'sha256=abc' })],
    ['a signature made with another secret', () => ({ secret: 'not-the-secret' })],
    ['a timestamp six minutes old', (s) => ({ t: Math.floor(s.clock().getTime() / 1000) - 360 })],
    ['a timestamp six minutes ahead', (s) => ({ t: Math.floor(s.clock().getTime() / 1000) + 360 })],
  ];
  it.each(badSignatures)('answers 401 and stores nothing for %s', async (_name, sign) => {
    const setup = await sentCampaign();
    const before = tableCounts(setup.leadsplit);

    const res = await setup.postSigned(report({ email: 'user1@example.com' }), sign(setup));

    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('invalid_signature');
    expect(tableCounts(setup.leadsplit)).toEqual(before);
  });

  it('answers 401 for a body changed after it was signed', async () => {
    const setup = await sentCampaign();
    const t = Math.floor(setup.clock().getTime() / 1000);
    const signed = JSON.stringify(report({ email: 'user1@example.com', value: 1 }));
    const mac = createHmac('sha256', SECRET).update(`${t}.${signed}`).digest('hex');

    const res = await request(setup.app)
      .post('/t/conversions')
      .set('Content-Type', 'application/json')
      .set('Leadsplit-Signature', `t=${t},v1=${mac}`)
      .send(signed.replace('"value":1', '"value":1000'));

    expect(res.status).toBe(401);
    expect(setup.conversions()).toEqual([]);
  });

  it('counts a retry with the same key once', async () => {
    const setup = await sentCampaign();
    const body = report({ email: 'user1@example.com', value: 20, currency: 'EUR' });
    await setup.postSigned(body).expect(200);
    setup.clock.advance(30_000);

    const retry = await setup.postSigned(body).expect(200);

    expect(retry.body).toEqual({ duplicate: true, attributed: 1 });
    expect(setup.conversions()).toMatchObject([{ value: 20 }]);
    expect(setup.receipts()).toHaveLength(1);
  });

  it('refuses the same key with a different body with 409, storing nothing', async () => {
    const setup = await sentCampaign();
    await setup.postSigned(report({ email: 'user1@example.com', value: 20 })).expect(200);
    const before = tableCounts(setup.leadsplit);

    const res = await setup.postSigned(report({ email: 'user1@example.com', value: 25 }));

    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('idempotency_key_reused');
    expect(tableCounts(setup.leadsplit)).toEqual(before);
    expect(setup.conversions()).toMatchObject([{ value: 20 }]);
  });

  it('adds values across keys, keeps the earliest time and counts the customer once', async () => {
    const setup = await sentCampaign();
    const email = 'user1@example.com';
    const early = setup.sentAt + 10 * 60_000;
    const late = new Date(setup.sentAt + 20 * 60_000).toISOString();
    await setup
      .postSigned(report({ email, value: 30, occurredAt: late, idempotencyKey: 'a' }))
      .expect(200);
    await setup
      .postSigned(
        report({ email, value: 2, occurredAt: new Date(early).toISOString(), idempotencyKey: 'b' }),
      )
      .expect(200);

    const third = await setup
      .postSigned(report({ email, value: 10.1, idempotencyKey: 'c' }))
      .expect(200);

    expect(third.body.conversions).toMatchObject([{ newCustomer: false, valueAdded: true }]);
    expect(setup.conversions()).toMatchObject([{ value: 42.1, occurredAt: early }]);
    expect(setup.receipts()).toHaveLength(3);
  });

  it('keeps the first currency and leaves out a value reported in another', async () => {
    const setup = await sentCampaign();
    const email = 'user1@example.com';
    await setup
      .postSigned(report({ email, value: 10, currency: 'EUR', idempotencyKey: 'a' }))
      .expect(200);

    const res = await setup
      .postSigned(report({ email, value: 5, currency: 'USD', idempotencyKey: 'b' }))
      .expect(200);

    expect(res.body.conversions).toMatchObject([
      { valueAdded: false, currencyMismatch: { kept: 'EUR', reported: 'USD' } },
    ]);
    expect(setup.conversions()).toMatchObject([{ value: 10, currency: 'EUR' }]);
  });

  const unexplained: [string, string, (s: Setup) => Record<string, unknown>][] = [
    [
      'a conversion before the email was sent',
      'before_email',
      (s) => ({ occurredAt: new Date(s.sentAt - 60_000).toISOString() }),
    ],
    [
      'a conversion after the attribution window',
      'outside_window',
      (s) => {
        s.clock.advance(8 * DAY);
        return { occurredAt: new Date(s.sentAt + 7 * DAY + 60_000).toISOString() };
      },
    ],
    ['a conversion for another goal', 'other_goal', () => ({ goal: 'signup' })],
  ];
  it.each(unexplained)('does not attribute %s', async (_name, reason, change) => {
    const setup = await sentCampaign();

    const res = await setup
      .postSigned(report({ email: 'user1@example.com', ...change(setup) }))
      .expect(200);

    expect(res.body).toMatchObject({ duplicate: false, attributed: 0, reason });
    expect(setup.conversions()).toEqual([]);
    expect(setup.receipts()).toMatchObject([
      { prospectId: setup.message('user1@example.com').prospectId, attributed: 0 },
    ]);
  });

  it('attributes a conversion on the last day of the window', async () => {
    const setup = await sentCampaign();
    setup.clock.advance(8 * DAY);

    const res = await setup.postSigned(
      report({
        email: 'user1@example.com',
        occurredAt: new Date(setup.sentAt + 7 * DAY).toISOString(),
      }),
    );

    expect(res.body).toMatchObject({ attributed: 1 });
  });

  it('answers an unknown prospect as unmatched and recognises its retry', async () => {
    const setup = await sentCampaign();
    const body = report({ email: 'stranger@example.com' });

    const first = await setup.postSigned(body).expect(200);
    const retry = await setup.postSigned(body).expect(200);

    expect(first.body).toMatchObject({
      duplicate: false,
      attributed: 0,
      reason: 'unknown_prospect',
    });
    expect(retry.body).toMatchObject({
      duplicate: true,
      attributed: 0,
      reason: 'unknown_prospect',
    });
    expect(setup.receipts()).toMatchObject([{ prospectId: null, attributed: 0 }]);
  });

  it('counts an unmatched report once its retry finds the prospect', async () => {
    const setup = await sentCampaign();
    const body = report({ externalId: 'crm-9', value: 15 });
    await setup.postSigned(body).expect(200);
    await setup.api
      .post(`/api/campaigns/${setup.campaignId}/prospects`)
      .type('text/csv')
      .send('email,external_id\nuser9@example.com,crm-9\n')
      .expect(200);

    const retry = await setup.postSigned(body).expect(200);

    expect(retry.body).toMatchObject({ duplicate: false, attributed: 1 });
    const message = setup.message('user9@example.com');
    expect(setup.conversions()).toMatchObject([{ prospectId: message.prospectId, value: 15 }]);
    expect(setup.receipts()).toMatchObject([{ prospectId: message.prospectId, attributed: 1 }]);
  });

  it('answers a token this installation did not make as unmatched', async () => {
    const setup = await sentCampaign();
    const forged = conversionToken('another-secret', setup.messages[0]!.id);

    const res = await setup.postSigned(report({ token: forged })).expect(200);

    expect(res.body).toMatchObject({ attributed: 0, reason: 'invalid_token' });
    expect(setup.conversions()).toEqual([]);
  });

  const invalidBodies: [string, Record<string, unknown>, string][] = [
    ['no prospect', report({}), ''],
    ['a goal with spaces', report({ email: 'user1@example.com', goal: 'big sale' }), 'goal'],
    ['a negative value', report({ email: 'user1@example.com', value: -1 }), 'value'],
    ['a lower-case currency', report({ email: 'user1@example.com', currency: 'eur' }), 'currency'],
    [
      'a date without a zone',
      report({ email: 'user1@example.com', occurredAt: '2026-03-02T10:00:00' }),
      'occurredAt',
    ],
    ['an unknown field', report({ email: 'user1@example.com', orderTotal: 3 }), ''],
    ['no idempotency key', { email: 'user1@example.com', goal: 'purchase' }, 'idempotencyKey'],
  ];
  it.each(invalidBodies)('refuses %s with a 400, storing nothing', async (_name, body, path) => {
    const setup = await sentCampaign();
    const before = tableCounts(setup.leadsplit);

    const res = await setup.postSigned(body);

    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_input');
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    expect(tableCounts(setup.leadsplit)).toEqual(before);
  });

  it('refuses an occurredAt more than five minutes ahead of the clock', async () => {
    const setup = await sentCampaign();
    const ahead = new Date(setup.clock().getTime() + 6 * 60_000).toISOString();

    const res = await setup.postSigned(report({ email: 'user1@example.com', occurredAt: ahead }));

    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/^occurredAt: .*future/);
    expect(setup.receipts()).toEqual([]);
  });

  it('refuses a body over 64 kB with 413', async () => {
    const setup = await sentCampaign();

    const res = await setup.postSigned(
      report({ email: 'user1@example.com', pad: 'x'.repeat(70_000) }),
    );

    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
  });

  it('answers 429 once an address has sent more than the limit set in the options', async () => {
    const setup = await sentCampaign({ postbacksPerMinute: 2 });
    const body = (n: number) => report({ email: 'user1@example.com', idempotencyKey: `k${n}` });

    await setup.postSigned(body(1)).expect(200);
    await setup.postSigned(body(2)).expect(200);
    const limited = await setup.postSigned(body(3));

    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe('rate_limited');
    expect(setup.receipts()).toHaveLength(2);
  });

  it('takes 120 postbacks a minute from one address when no limit is set', async () => {
    const setup = await sentCampaign();
    const body = report({ email: 'stranger@example.com' });

    const first = await setup.postSigned(body).expect(200);

    expect(first.headers.ratelimit).toMatch(/r=119\b/);
    expect(first.headers['ratelimit-policy']).toMatch(/q=120\b/);
  });

  it('answers 400 for a signed body that is not JSON, storing nothing', async () => {
    const setup = await sentCampaign();
    const before = tableCounts(setup.leadsplit);

    const res = await setup.postSigned('{"goal": "purchase",');

    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_json');
    expect(tableCounts(setup.leadsplit)).toEqual(before);
  });

  it('answers 415 for a body without a Content-Type', async () => {
    const setup = await sentCampaign();
    const raw = Buffer.from(JSON.stringify(report({ email: 'user1@example.com' })));
    const t = setup.nowSeconds();

    const res = await request(setup.app)
      .post('/t/conversions')
      .set('Leadsplit-Signature', `t=${t},v1=${hmacHex(raw, t)}`)
      .send(raw);

    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe('unsupported_media_type');
    expect(setup.receipts()).toEqual([]);
  });

  it('answers 415 for a compressed body, whose signature would cover other bytes', async () => {
    const setup = await sentCampaign();
    const raw = JSON.stringify(report({ email: 'user1@example.com' }));
    const t = setup.nowSeconds();

    const res = await request(setup.app)
      .post('/t/conversions')
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'gzip')
      .set('Leadsplit-Signature', `t=${t},v1=${hmacHex(raw, t)}`)
      .send(gzipSync(raw));

    expect(res.status).toBe(415);
    expect(res.body.error).toMatchObject({
      code: 'unsupported_encoding',
      message: expect.stringMatching(/uncompressed/),
    });
    expect(setup.receipts()).toEqual([]);
  });

  const goodSignatures: [string, (raw: string, t: number) => string][] = [
    [
      'two v1 values of which one is right',
      (raw, t) => `t=${t},v1=${hmacHex(raw, t, 'the-old-secret')},v1=${hmacHex(raw, t)}`,
    ],
    ['the hex in capitals', (raw, t) => `t=${t},v1=${hmacHex(raw, t).toUpperCase()}`],
  ];
  it.each(goodSignatures)('takes a signature with %s', async (_name, header) => {
    const setup = await sentCampaign();
    const body = report({ email: 'user1@example.com' });

    const res = await setup.postSigned(body, {
      header: header(JSON.stringify(body), setup.nowSeconds()),
    });

    expect(res.status).toBe(200);
    expect(setup.conversions()).toHaveLength(1);
  });

  it('answers 401 for a timestamp in milliseconds', async () => {
    const setup = await sentCampaign();
    const t = setup.clock().getTime();

    const res = await setup.postSigned(report({ email: 'user1@example.com' }), { t });

    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('invalid_signature');
    expect(setup.receipts()).toEqual([]);
  });

  const unusableTokens: [string, string][] = [
    ['an empty token', ''],
    ['a token of blanks', '   '],
    ['an overlong token', 'x'.repeat(500)],
  ];
  it.each(unusableTokens)('falls back on the email for %s', async (_name, token) => {
    const setup = await sentCampaign();
    const message = setup.message('user3@example.com');

    const res = await setup.postSigned(report({ token, email: 'user3@example.com' }));

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ attributed: 1 });
    expect(setup.conversions()).toMatchObject([{ prospectId: message.prospectId }]);
  });

  it('answers an overlong token alone as an invalid token, not as a bad request', async () => {
    const setup = await sentCampaign();

    const res = await setup.postSigned(report({ token: 'x'.repeat(500) })).expect(200);

    expect(res.body).toMatchObject({ attributed: 0, reason: 'invalid_token' });
  });

  it('asks for the prospect when an empty token is all there is', async () => {
    const setup = await sentCampaign();

    const res = await setup.postSigned(report({ token: '', email: '' }));

    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/token, an email or an externalId/);
    expect(setup.receipts()).toEqual([]);
  });

  it('refuses a currency code that names no currency', async () => {
    const setup = await sentCampaign();

    const res = await setup.postSigned(
      report({ email: 'user1@example.com', value: 5, currency: 'ABC' }),
    );

    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/^currency: is not an ISO 4217 currency code/);
    expect(setup.receipts()).toEqual([]);
  });
});

describe('one idempotency key by postback and in a CRM file', () => {
  const csvOf = (date: string, value: string, currency: string) =>
    'email,goal,value,currency,date,idempotency_key\n' +
    `user1@example.com,purchase,${value},${currency},${date},order-1001\n`;
  const today = (s: Setup) => s.clock().toISOString().slice(0, 10);

  it('counts an order reported by postback and then in a CRM file once', async () => {
    const setup = await sentCampaign();
    const message = setup.message('user1@example.com');
    await setup
      .postSigned(
        report({
          token: conversionToken(SECRET, message.id),
          email: 'user1@example.com',
          value: 49.9,
          currency: 'EUR',
          occurredAt: new Date(setup.sentAt + 20 * 60_000).toISOString(),
        }),
      )
      .expect(200);

    const res = await setup.api
      .post('/api/conversions')
      .type('text/csv')
      .send(csvOf(today(setup), '49.90', 'eur'))
      .expect(200);

    expect(res.body).toMatchObject({ imported: 0, duplicates: 1, rejectedCount: 0 });
    expect(setup.conversions()).toMatchObject([{ value: 49.9, source: 'postback' }]);
    expect(setup.receipts()).toHaveLength(1);
  });

  it('answers a postback of an order a CRM file brought first as a duplicate', async () => {
    const setup = await sentCampaign();
    await setup.api
      .post('/api/conversions')
      .type('text/csv')
      .send(csvOf(today(setup), '49.90', 'EUR'))
      .expect(200);

    const res = await setup
      .postSigned(report({ externalId: 'crm-1', value: 49.9, currency: 'EUR' }))
      .expect(200);

    expect(res.body).toEqual({ duplicate: true, attributed: 1 });
    expect(setup.conversions()).toMatchObject([{ value: 49.9, source: 'import' }]);
  });

  it('still refuses the key for another value', async () => {
    const setup = await sentCampaign();
    await setup
      .postSigned(report({ email: 'user1@example.com', value: 49.9, currency: 'EUR' }))
      .expect(200);

    const res = await setup.api
      .post('/api/conversions')
      .type('text/csv')
      .send(csvOf(today(setup), '59.90', 'EUR'))
      .expect(200);

    expect(res.body).toMatchObject({
      imported: 0,
      duplicates: 0,
      rejected: [{ row: 2, reason: 'idempotency_key was used before for a different conversion' }],
    });
    expect(setup.conversions()).toMatchObject([{ value: 49.9 }]);
  });
});

describe('LEADSPLIT_POSTBACKS_PER_MINUTE', () => {
  it('sets the postback rate limit, 120 when unset', () => {
    expect(loadConfig({}).postbacksPerMinute).toBe(120);
    expect(loadConfig({ LEADSPLIT_POSTBACKS_PER_MINUTE: '600' }).postbacksPerMinute).toBe(600);
  });

  it.each(['0', 'many', '1.5'])('refuses %j, naming the variable', (value) => {
    expect(() => loadConfig({ LEADSPLIT_POSTBACKS_PER_MINUTE: value })).toThrow(ConfigError);
    expect(() => loadConfig({ LEADSPLIT_POSTBACKS_PER_MINUTE: value })).toThrow(
      /LEADSPLIT_POSTBACKS_PER_MINUTE/,
    );
  });
});
