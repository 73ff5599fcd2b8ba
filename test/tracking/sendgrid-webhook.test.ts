import express from 'express';
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { webhooksRouter } from '../../src/http/webhooks-router';
import { campaignBody, manualClock, prospectCsv, startApp, tableCounts } from '../helpers';

const SIGNATURE = 'X-Twilio-Email-Event-Webhook-Signature';
const TIMESTAMP = 'X-Twilio-Email-Event-Webhook-Timestamp';

interface MessageRow {
  id: string;
  prospectId: number;
  campaignId: number;
  variantId: number;
  email: string;
  status: string;
  sentAt: number | null;
}

/** A key pair as SendGrid holds one: the public half in the base64 DER (SPKI) form it shows. */
function keyPair() {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    privateKey,
  };
}

/** Signs as SendGrid does: ECDSA with SHA-256 over the timestamp followed by the body. */
const signBody = (privateKey: KeyObject, timestamp: string, body: string) =>
  sign('sha256', Buffer.from(timestamp + body), privateKey).toString('base64');

/** SendGrid posts one event per line, each line ending in CRLF. */
const sendgridBody = (events: unknown[]) =>
  '[' + events.map((e) => JSON.stringify(e)).join(',\r\n') + ']\r\n';

/**
 * Two launched campaigns over the same four prospects (every prospect in the test phase),
 * the webhook router on its own app, and the send worker off so messages stay as set.
 */
async function setUp(options: { publicKey?: string } = {}) {
  const clock = manualClock();
  const testApp = startApp({ clock, sendWorker: false });
  const { api, leadsplit } = testApp;
  const campaignIds: number[] = [];
  for (const name of ['Spring offer', 'Summer offer']) {
    const { body } = await api
      .post('/api/campaigns')
      .send(campaignBody({ name, testFraction: 1 }))
      .expect(201);
    await api
      .post(`/api/campaigns/${body.id}/prospects`)
      .type('text/csv')
      .send(prospectCsv(4))
      .expect(200);
    await api.post(`/api/campaigns/${body.id}/launch`).expect(200);
    campaignIds.push(body.id);
  }
  const { sqlite } = leadsplit.context;

  const messagesOf = (campaignId: number) =>
    sqlite
      .prepare(
        `SELECT m.id, m.prospect_id AS prospectId, m.campaign_id AS campaignId,
                m.variant_id AS variantId, p.email, m.status, m.sent_at AS sentAt
           FROM messages m JOIN prospects p ON p.id = m.prospect_id
          WHERE m.campaign_id = ? ORDER BY p.email`,
      )
      .all(campaignId) as MessageRow[];
  // The first campaign has gone out; the second still waits in the queue.
  sqlite
    .prepare(`UPDATE messages SET status = 'sent', sent_at = ? WHERE campaign_id = ?`)
    .run(clock().getTime() - 3_600_000, campaignIds[0]);

  const hooks = express().use(
    '/webhooks',
    webhooksRouter(leadsplit.context, { sendgridWebhookPublicKey: options.publicKey }),
  );
  let sequence = 0;

  return {
    ...testApp,
    sqlite,
    clock,
    sent: messagesOf(campaignIds[0]!),
    queued: () => messagesOf(campaignIds[1]!),
    messagesOf,
    post: (body: unknown) =>
      request(hooks)
        .post('/webhooks/sendgrid')
        .send(body as object),
    postSigned: (body: string, headers: Record<string, string>) =>
      request(hooks)
        .post('/webhooks/sendgrid')
        .set('Content-Type', 'application/json')
        .set(headers)
        .send(body),
    /** An event as SendGrid posts it, carrying the custom args leadsplit sends. */
    sgEvent(event: string, message: MessageRow, extra: Record<string, unknown> = {}) {
      return {
        email: message.email,
        event,
        timestamp: Math.floor(clock().getTime() / 1000) - 60,
        sg_event_id: `sg-event-${++sequence}`,
        sg_message_id: `provider-id-${message.id}.filterdrecv-0`,
        'smtp-id': `<provider-id-${message.id}@ismtpd0001p1.sendgrid.net>`,
        message_id: message.id,
        campaign_id: String(message.campaignId),
        batch_id: 'batch-1',
        ...extra,
      };
    },
    eventRows: () =>
      sqlite
        .prepare(
          `SELECT message_id AS messageId, campaign_id AS campaignId, variant_id AS variantId,
                  type, occurred_at AS occurredAt, user_agent AS userAgent, machine,
                  link_key AS linkKey, provider_event_id AS providerEventId
             FROM events ORDER BY id`,
        )
        .all(),
    prospectStatus: (id: number) =>
      sqlite.prepare('SELECT status FROM prospects WHERE id = ?').pluck().get(id),
  };
}

describe('POST /webhooks/sendgrid', () => {
  it('stores each event raw and records the known types against their message', async () => {
    const t = await setUp();
    const message = t.sent[0]!;
    const userAgent = 'Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15';
    const opened = t.sgEvent('open', message, { useragent: userAgent, sg_machine_open: false });
    // Delivered a minute before it was read: a click at the moment of delivery is a machine's.
    const batch = [
      t.sgEvent('delivered', message, { response: '250 OK', timestamp: opened.timestamp - 60 }),
      opened,
      t.sgEvent('click', message, { useragent: userAgent, url: 'https://shop.example.com/x' }),
    ];

    const res = await t.post(batch).expect(200);

    expect(res.body).toEqual({ stored: 3, duplicates: 0, ignored: 0, malformed: 0 });
    const row = (i: number, type: string, userAgentSeen: string | null) => ({
      messageId: message.id,
      campaignId: message.campaignId,
      variantId: message.variantId,
      type,
      occurredAt: batch[i]!.timestamp * 1000,
      userAgent: userAgentSeen,
      machine: 0,
      linkKey: null,
      providerEventId: batch[i]!.sg_event_id,
    });
    expect(t.eventRows()).toEqual([
      row(0, 'delivered', null),
      row(1, 'opened', userAgent),
      row(2, 'clicked', userAgent),
    ]);
    const raw = t.sqlite
      .prepare(
        `SELECT provider, type, message_id AS messageId, occurred_at AS occurredAt,
                received_at AS receivedAt, payload
           FROM webhook_events ORDER BY id`,
      )
      .all() as { payload: string }[];
    expect(raw[2]).toEqual({
      provider: 'sendgrid',
      type: 'click',
      messageId: message.id,
      occurredAt: batch[2]!.timestamp * 1000,
      receivedAt: t.clock().getTime(),
      payload: expect.any(String),
    });
    expect(JSON.parse(raw[2]!.payload)).toEqual(batch[2]);
  });

  it('stores nothing new when SendGrid retries a batch it already delivered', async () => {
    const t = await setUp();
    const batch = [t.sgEvent('delivered', t.sent[0]!), t.sgEvent('bounce', t.sent[1]!)];
    await t.post(batch).expect(200);
    const before = tableCounts(t.leadsplit);

    const res = await t.post(batch).expect(200);

    expect(res.body).toEqual({ stored: 0, duplicates: 2, ignored: 0, malformed: 0 });
    expect(tableCounts(t.leadsplit)).toEqual(before);
  });

  it('stores an event repeated within one batch once', async () => {
    const t = await setUp();
    const event = t.sgEvent('delivered', t.sent[0]!);

    const res = await t.post([event, event]).expect(200);

    expect(res.body).toMatchObject({ stored: 1, duplicates: 1 });
    expect(t.eventRows()).toHaveLength(1);
  });

  it('skips malformed events and stores the good ones of the same batch', async () => {
    const t = await setUp();
    const [first, second] = t.sent;
    const good = [t.sgEvent('delivered', first!), t.sgEvent('delivered', second!)];
    const batch = [
      good[0],
      'delivered',
      null,
      { ...t.sgEvent('delivered', first!), sg_event_id: undefined },
      { ...t.sgEvent('delivered', first!), sg_event_id: 42 },
      { ...t.sgEvent('delivered', first!), event: ['delivered'] },
      { ...t.sgEvent('delivered', first!), timestamp: '1772442000' },
      // Milliseconds where SendGrid sends seconds.
      { ...t.sgEvent('delivered', first!), timestamp: t.clock().getTime() },
      good[1],
    ];

    const res = await t.post(batch).expect(200);

    expect(res.body).toEqual({ stored: 2, duplicates: 0, ignored: 0, malformed: 7 });
    expect(t.eventRows().map((row) => (row as { messageId: string }).messageId)).toEqual([
      first!.id,
      second!.id,
    ]);
    expect(tableCounts(t.leadsplit).webhook_events).toBe(2);
  });

  it('keeps an event of an unknown type raw and goes no further', async () => {
    const t = await setUp();
    const before = tableCounts(t.leadsplit);

    const res = await t.post([t.sgEvent('account_status_change', t.sent[0]!)]).expect(200);

    expect(res.body).toEqual({ stored: 1, duplicates: 0, ignored: 1, malformed: 0 });
    expect(tableCounts(t.leadsplit)).toEqual({
      ...before,
      webhook_events: before.webhook_events! + 1,
    });
  });

  it('keeps events for a message it does not know raw only', async () => {
    const t = await setUp();
    const stranger = { ...t.sent[0]!, id: 'AAAAAAAAAAAAAAAAAAAAAA' };
    const withoutId = { ...t.sgEvent('bounce', t.sent[0]!), message_id: undefined };

    const res = await t.post([t.sgEvent('bounce', stranger), withoutId]).expect(200);

    expect(res.body).toEqual({ stored: 2, duplicates: 0, ignored: 2, malformed: 0 });
    expect(t.eventRows()).toEqual([]);
    expect(t.prospectStatus(t.sent[0]!.prospectId)).toBe('active');
  });

  it('judges opens and clicks by the machine filter, with SendGrid’s own verdict on opens', async () => {
    const t = await setUp();
    const [message] = t.sent;
    const sentAtSeconds = message!.sentAt! / 1000;
    const chrome = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0';
    const cases: [Record<string, unknown>, string, string | null][] = [
      [
        { event: 'open', sg_machine_open: true },
        'opened',
        'machine open reported by the email provider',
      ],
      [{ event: 'open', sg_machine_open: false }, 'opened', null],
      [{ event: 'open', sg_machine_open: 'true' }, 'opened', null],
      [{ event: 'open', useragent: 'Mozilla/5.0' }, 'opened', 'Apple Mail Privacy Protection'],
      [
        { event: 'open', useragent: 'Mozilla/4.0 (compatible; ms-office; MSOffice 16)' },
        'opened',
        null,
      ],
      [{ event: 'open', useragent: 'Barracuda Sentinel (EE)' }, 'opened', 'email security scanner'],
      [{ event: 'click', useragent: chrome }, 'clicked', null],
      [{ event: 'click' }, 'clicked', null],
      [
        { event: 'click', useragent: 'Mimecast-Url-Protect/1.0' },
        'clicked',
        'email security scanner',
      ],
      [
        {
          event: 'click',
          useragent: 'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17328; Pro)',
        },
        'clicked',
        'link check by an Office client',
      ],
      [
        { event: 'click', useragent: chrome, timestamp: sentAtSeconds + 2 },
        'clicked',
        'clicked within seconds of delivery',
      ],
      [{ event: 'delivered', useragent: 'curl/8.4.0' }, 'delivered', null],
    ];

    await t
      .post(cases.map(([fields]) => t.sgEvent(fields.event as string, message!, fields)))
      .expect(200);

    const rows = t.sqlite
      .prepare('SELECT type, machine, machine_reason AS reason FROM events ORDER BY id')
      .all();
    expect(rows).toEqual(
      cases.map(([, type, reason]) => ({ type, machine: reason === null ? 0 : 1, reason })),
    );
  });

  it.each([
    ['a bounce', 'bounce', { type: 'bounce', reason: '550 5.1.1 no such user' }, 'bounced'],
    ['a drop of a bounced address', 'dropped', { reason: 'Bounced Address' }, 'bounced'],
    ['a drop of an invalid address', 'dropped', { reason: 'Invalid' }, 'bounced'],
    ['a spam report', 'spamreport', {}, 'complained'],
    ['an unsubscribe', 'unsubscribe', {}, 'unsubscribed'],
    ['a group unsubscribe', 'group_unsubscribe', { asm_group_id: 7 }, 'unsubscribed'],
  ])(
    'suppresses the prospect on %s and cancels their queued messages',
    async (_name, event, extra, status) => {
      const t = await setUp();
      const [target, bystander] = t.sent;

      await t.post([t.sgEvent(event, target!, extra)]).expect(200);

      expect(t.prospectStatus(target!.prospectId)).toBe(status);
      expect(t.prospectStatus(bystander!.prospectId)).toBe('active');
      const queued = t.queued();
      expect(queued.find((m) => m.prospectId === target!.prospectId)!.status).toBe('cancelled');
      expect(queued.filter((m) => m.status === 'queued')).toHaveLength(3);
    },
  );

  it.each([
    ['a blocked bounce', 'bounce', { type: 'blocked', reason: '421 try again later' }],
    ['a drop for a bad header', 'dropped', { reason: 'Invalid SMTPAPI header' }],
    ['a deferral', 'deferred', { response: '421 busy', attempt: '1' }],
  ])('records %s without suppressing the prospect', async (_name, event, extra) => {
    const t = await setUp();
    const target = t.sent[0]!;

    const res = await t.post([t.sgEvent(event, target, extra)]).expect(200);

    expect(res.body).toMatchObject({ stored: 1, ignored: 0 });
    expect(t.prospectStatus(target.prospectId)).toBe('active');
    expect(t.queued().every((m) => m.status === 'queued')).toBe(true);
  });

  it('answers 400 for a body that is not a JSON array, and writes nothing', async () => {
    const t = await setUp();
    const before = tableCounts(t.leadsplit);

    const object = await t.post({ event: 'delivered' }).expect(400);
    const broken = await t.postSigned('[{"event": "delivered"', {}).expect(400);
    const empty = await t.postSigned('', {}).expect(400);

    expect(object.body.error).toEqual({
      code: 'invalid_events',
      message: 'The body must be a JSON array of events.',
    });
    expect(broken.body.error.code).toBe('invalid_json');
    expect(empty.body.error.code).toBeDefined();
    expect(tableCounts(t.leadsplit)).toEqual(before);
  });

  it('answers 415 for a body that is not JSON', async () => {
    const t = await setUp();

    const res = await t.post('delivered').type('text/plain').expect(415);

    expect(res.body.error.code).toBe('unsupported_media_type');
  });

  it('answers 413 for a body over 5 MB, and writes nothing', async () => {
    const t = await setUp();
    const event = t.sgEvent('delivered', t.sent[0]!, { padding: 'x'.repeat(1024) });
    const before = tableCounts(t.leadsplit);

    const res = await t.post(Array.from({ length: 5200 }, () => event)).expect(413);

    expect(res.body.error.code).toBe('payload_too_large');
    expect(tableCounts(t.leadsplit)).toEqual(before);
  });

  it('answers 200 with zero counts for an empty batch', async () => {
    const t = await setUp();

    const res = await t.post([]).expect(200);

    expect(res.body).toEqual({ stored: 0, duplicates: 0, ignored: 0, malformed: 0 });
  });
});

describe('a send left unknown or unfinished', () => {
  /** Two messages of one batch whose fate a crash left unknown, as the send queue leaves it. */
  function crashedBatch(t: Awaited<ReturnType<typeof setUp>>) {
    const [first, second, third] = t.queued();
    const now = t.clock().getTime();
    t.sqlite
      .prepare(
        `INSERT INTO send_batches (id, campaign_id, variant_id, status, size, mailer, created_at,
                                   lease_until, finished_at, error)
         VALUES ('batch-9', ?, ?, 'unknown', 2, 'sendgrid', ?, ?, ?, 'lost')`,
      )
      .run(first!.campaignId, first!.variantId, now - 120_000, now - 60_000, now - 30_000);
    t.sqlite
      .prepare(
        `UPDATE messages SET status = 'unknown', batch_id = 'batch-9', error = 'lost'
          WHERE id IN (?, ?)`,
      )
      .run(first!.id, second!.id);
    return { first: first!, second: second!, third: third! };
  }

  it('is marked sent, with the rest of its batch, when a processed event arrives', async () => {
    const t = await setUp();
    const { first, second, third } = crashedBatch(t);
    const processed = t.sgEvent('processed', first, { batch_id: 'batch-9' });

    const res = await t.post([processed]).expect(200);

    expect(res.body).toEqual({ stored: 1, duplicates: 0, ignored: 0, malformed: 0 });
    const byId = new Map(t.queued().map((m) => [m.id, m]));
    const sentAt = processed.timestamp * 1000;
    expect(byId.get(first.id)).toMatchObject({ status: 'sent', sentAt });
    expect(byId.get(second.id)).toMatchObject({ status: 'sent', sentAt });
    expect(byId.get(third.id)).toMatchObject({ status: 'queued', sentAt: null });
    expect(
      t.sqlite.prepare(`SELECT status FROM send_batches WHERE id = 'batch-9'`).pluck().get(),
    ).toBe('sent');
    expect(t.eventRows()).toEqual([]);
  });

  it('is marked sent by a delivery while its request is still unanswered', async () => {
    const t = await setUp();
    const message = t.queued()[0]!;
    t.sqlite.prepare(`UPDATE messages SET status = 'sending' WHERE id = ?`).run(message.id);

    await t.post([t.sgEvent('delivered', message, { batch_id: undefined })]).expect(200);

    expect(t.queued()[0]).toMatchObject({ status: 'sent', sentAt: expect.any(Number) });
    expect(t.eventRows()).toHaveLength(1);
  });

  it('stays as it is when the event is of a type leadsplit does not know', async () => {
    const t = await setUp();
    const { first } = crashedBatch(t);

    await t.post([t.sgEvent('account_status_change', first, { batch_id: 'batch-9' })]).expect(200);

    expect(t.queued()[0]!.status).toBe('unknown');
  });

  it('keeps the time it was first recorded as sent', async () => {
    const t = await setUp();
    const message = t.sent[0]!;

    await t.post([t.sgEvent('processed', message)]).expect(200);

    expect(t.messagesOf(message.campaignId)[0]!.sentAt).toBe(message.sentAt);
  });
});

describe('POST /webhooks/sendgrid with a verification key', () => {
  const seconds = (date: Date) => String(Math.floor(date.getTime() / 1000));

  it('accepts a batch signed by SendGrid', async () => {
    const { publicKey, privateKey } = keyPair();
    const t = await setUp({ publicKey });
    const body = sendgridBody([t.sgEvent('delivered', t.sent[0]!), t.sgEvent('open', t.sent[1]!)]);
    const timestamp = seconds(t.clock());

    const res = await t
      .postSigned(body, {
        [SIGNATURE]: signBody(privateKey, timestamp, body),
        [TIMESTAMP]: timestamp,
      })
      .expect(200);

    expect(res.body).toMatchObject({ stored: 2 });
    expect(t.eventRows()).toHaveLength(2);
  });

  it('accepts a batch signed nine minutes ago, within the replay window', async () => {
    const { publicKey, privateKey } = keyPair();
    const t = await setUp({ publicKey });
    const body = sendgridBody([t.sgEvent('delivered', t.sent[0]!)]);
    const timestamp = seconds(t.clock());
    t.clock.advance(9 * 60_000);

    await t
      .postSigned(body, {
        [SIGNATURE]: signBody(privateKey, timestamp, body),
        [TIMESTAMP]: timestamp,
      })
      .expect(200);
  });

  it.each([
    ['no signature', 'headers are required', () => ({ signature: undefined })],
    ['no timestamp', 'headers are required', () => ({ timestamp: undefined })],
    ['a signature by another key', 'does not match', () => ({ key: keyPair().privateKey })],
    ['a body changed after signing', 'does not match', () => ({ tamper: true })],
    ['a timestamp other than the signed one', 'does not match', () => ({ shiftSigned: 1 })],
    ['a signature that is not base64', 'not in the form', () => ({ signature: 'not a sig!' })],
    [
      'a base64 signature that is not ECDSA',
      'does not match',
      () => ({ signature: 'QUJDREVGR0hJSktMTU5PUA==' }),
    ],
    ['a timestamp eleven minutes old', 'more than 10 minutes old', () => ({ age: 11 * 60_000 })],
    ['a timestamp ten minutes ahead', 'in the future', () => ({ age: -10 * 60_000 })],
  ] as const)('refuses %s with 401 and stores nothing', async (_name, mention, variation) => {
    const { publicKey, privateKey } = keyPair();
    const t = await setUp({ publicKey });
    const change: {
      signature?: string;
      timestamp?: undefined;
      key?: KeyObject;
      tamper?: boolean;
      shiftSigned?: number;
      age?: number;
    } = variation();
    const body = sendgridBody([t.sgEvent('spamreport', t.sent[0]!)]);
    const signedAt = seconds(new Date(t.clock().getTime() - (change.age ?? 0)));
    const signature = signBody(change.key ?? privateKey, signedAt, body);
    const headers: Record<string, string> = {};
    if (!('signature' in change)) headers[SIGNATURE] = signature;
    else if (change.signature) headers[SIGNATURE] = change.signature;
    if (!('timestamp' in change)) {
      headers[TIMESTAMP] = String(Number(signedAt) + (change.shiftSigned ?? 0));
    }
    const sent = change.tamper ? body.replace('spamreport', 'delivered') : body;
    const before = tableCounts(t.leadsplit);

    const res = await t.postSigned(sent, headers).expect(401);

    expect(res.body.error.code).toBe('invalid_signature');
    expect(res.body.error.message).toContain(mention);
    expect(tableCounts(t.leadsplit)).toEqual(before);
    expect(t.prospectStatus(t.sent[0]!.prospectId)).toBe('active');
  });

  it('refuses to be built with a key it cannot read', async () => {
    const t = await setUp();

    expect(() =>
      webhooksRouter(t.leadsplit.context, { sendgridWebhookPublicKey: 'not a key' }),
    ).toThrow(/not a readable ECDSA public key/);
  });
});
