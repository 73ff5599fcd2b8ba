import { afterEach, describe, expect, it } from 'vitest';
import { SendGridMailer } from '../../src/sending/sendgrid-mailer';
import { startFakeSendgrid, type FakeSendgrid } from '../support/fake-sendgrid';
import { campaignBody, manualClock, prospectCsv, startApp } from '../helpers';

const SENDGRID_KEY = 'SG.fake-key-for-tests';
let fake: FakeSendgrid;
afterEach(async () => {
  await fake?.close();
});

async function launchedOnSendgrid(leads: number, sending = {}, timeoutMs = 5_000) {
  fake = await startFakeSendgrid({ apiKey: SENDGRID_KEY });
  const clock = manualClock();
  const app = startApp({
    clock,
    mailer: new SendGridMailer({ apiKey: SENDGRID_KEY, apiUrl: fake.url, timeoutMs }),
    sending: { maxAttempts: 3, retryBaseMs: 1_000, ...sending },
  });
  const { body } = await app.api
    .post('/api/campaigns')
    .send(campaignBody({ testFraction: 1 }))
    .expect(201);
  await app.api
    .post(`/api/campaigns/${body.id}/prospects`)
    .type('text/csv')
    .send(prospectCsv(leads));
  await app.api.post(`/api/campaigns/${body.id}/launch`).expect(200);
  const { sqlite } = app.leadsplit.context;
  const statuses = () =>
    Object.fromEntries(
      (
        sqlite.prepare('SELECT status, count(*) AS n FROM messages GROUP BY status').all() as {
          status: string;
          n: number;
        }[]
      ).map((r) => [r.status, r.n]),
    );
  return { ...app, clock, campaignId: body.id as number, sqlite, statuses };
}

describe('the send queue on SendGrid', () => {
  it('sends each lead once, up to 1,000 recipients per request of one variant', async () => {
    const app = await launchedOnSendgrid(2500);

    await app.leadsplit.worker.drain();

    expect(app.statuses()).toEqual({ sent: 2500 });
    const counts = fake.deliveryCounts();
    expect(counts.size).toBe(2500);
    expect(Math.max(...counts.values())).toBe(1);
    expect(fake.requests.length).toBeLessThanOrEqual(4);
    for (const { body } of fake.requests) {
      expect(body.personalizations.length).toBeLessThanOrEqual(1000);
      expect(body.tracking_settings).toMatchObject({
        click_tracking: { enable: false },
        open_tracking: { enable: false },
      });
      expect(body.custom_args).toMatchObject({ campaign_id: String(app.campaignId) });
    }
  });

  it('gives each personalization its message id, unsubscribe headers and own values', async () => {
    const app = await launchedOnSendgrid(3);

    await app.leadsplit.worker.drain();

    const { body, xMessageId } = fake.requests[0]!;
    const one = body.personalizations[0]!;
    const messageId = one.custom_args!.message_id!;
    expect(one.headers).toEqual({
      'List-Unsubscribe': `<http://leadsplit.test/t/u/${messageId}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
    expect(one.substitutions!['[%message_id%]']).toBe(messageId);
    expect(one.substitutions!['[%first_name%]']).toMatch(/^User \d$/);
    const html = body.content!.find((c) => c.type === 'text/html')!.value;
    expect(html).toContain('/t/c/[%message_id%]/shop');
    const stored = app.sqlite
      .prepare('SELECT provider_message_id FROM messages WHERE id = ?')
      .pluck()
      .get(messageId);
    expect(stored).toBe(xMessageId);
  });

  // Two variants: every drain below makes one request per variant.
  it('waits as long as a 429 Retry-After asks, then sends', async () => {
    const app = await launchedOnSendgrid(10);
    fake.failNext(2, { status: 429, retryAfter: 7 });

    const tried = await app.leadsplit.worker.drain();
    const nextAttempt = app.sqlite
      .prepare('SELECT DISTINCT next_attempt_at FROM messages')
      .pluck()
      .all();
    const early = await app.leadsplit.worker.drain();
    app.clock.advance(7_000);
    const later = await app.leadsplit.worker.drain();

    expect(tried).toBe(10);
    expect(nextAttempt).toEqual([app.clock().getTime()]);
    expect(early).toBe(0);
    expect(later).toBe(10);
    expect(app.statuses()).toEqual({ sent: 10 });
    expect(fake.deliveryCounts().size).toBe(10);
  });

  it('retries a 500 with growing pauses, then marks the messages failed', async () => {
    const app = await launchedOnSendgrid(6);
    fake.failNext(100, { status: 500 });
    const pauses: number[] = [];

    for (let attempt = 0; attempt < 3; attempt++) {
      const before = app.clock().getTime();
      expect(await app.leadsplit.worker.drain()).toBe(6);
      const next = app.sqlite.prepare('SELECT max(next_attempt_at) FROM messages').pluck().get();
      if (app.statuses().queued) pauses.push((next as number) - before);
      app.clock.advance(60_000);
    }

    // Base 1 s doubled per attempt, with jitter between half and one and a half times.
    expect(pauses).toHaveLength(2);
    expect(pauses[0]).toBeGreaterThanOrEqual(500);
    expect(pauses[0]).toBeLessThanOrEqual(1_500);
    expect(pauses[1]).toBeGreaterThanOrEqual(1_000);
    expect(pauses[1]).toBeLessThanOrEqual(3_000);
    expect(app.statuses()).toEqual({ failed: 6 });
    expect(fake.deliveries).toHaveLength(0);
  });

  it('marks messages failed with the provider’s reason on a 400', async () => {
    const app = await launchedOnSendgrid(4);
    fake.failNext(2, { status: 400, message: 'The from address does not match a verified Sender' });

    await app.leadsplit.worker.drain();

    expect(app.statuses()).toEqual({ failed: 4 });
    const errors = app.sqlite.prepare('SELECT DISTINCT error FROM messages').pluck().all();
    expect(errors).toEqual([
      'SendGrid answered 400: The from address does not match a verified Sender',
    ]);
  });

  it('marks a request that never got an answer unknown, for the marketer to resolve', async () => {
    const app = await launchedOnSendgrid(6, {}, 300);
    fake.hang(true);

    await app.leadsplit.worker.drain();
    const unknown = app.statuses();
    fake.hang(false);
    const kept = await app.api
      .post(`/api/campaigns/${app.campaignId}/unknown-messages`)
      .send({ action: 'sent' })
      .expect(200);

    expect(unknown).toEqual({ unknown: 6 });
    expect(kept.body).toEqual({ resolved: 6 });
    expect(app.statuses()).toEqual({ sent: 6 });
    expect(await app.leadsplit.worker.drain()).toBe(0);
  });

  it('sends unknown messages again when the marketer chooses to, at the risk of doubles', async () => {
    const app = await launchedOnSendgrid(6, {}, 300);
    fake.hang(true);
    await app.leadsplit.worker.drain();
    fake.hang(false);

    await app.api
      .post(`/api/campaigns/${app.campaignId}/unknown-messages`)
      .send({ action: 'resend' })
      .expect(200);
    await app.leadsplit.worker.drain();

    expect(app.statuses()).toEqual({ sent: 6 });
    // The provider had taken the lost requests after all: this is why resending is a choice.
    expect([...fake.deliveryCounts().values()]).toEqual([2, 2, 2, 2, 2, 2]);
  });
});

describe('a send answered after its lease ran out', () => {
  it('counts the messages sent, even when another worker already marked them unknown', async () => {
    const app = await launchedOnSendgrid(4, {}, 2_000);
    fake.delayMs = 300;
    const sending = app.leadsplit.worker.runOnce();
    // While the request is out, the lease is passed and another worker settles the batch.
    await new Promise((r) => setTimeout(r, 100));
    app.clock.advance(60_000);
    const { recoverLostBatches } = await import('../../src/sending/queue');
    await recoverLostBatches(app.leadsplit.context, app.leadsplit.mailer);
    const meanwhile = app.statuses();

    await sending;

    expect(meanwhile.unknown).toBeGreaterThan(0);
    expect(app.statuses().unknown ?? 0).toBe(0);
    const batches = app.sqlite.prepare('SELECT DISTINCT status FROM send_batches').pluck().all();
    expect(batches).toEqual(['sent']);
  });
});
