// eraseProspect (src/prospects/erase.ts) and rebuildFunnelCounts (src/reports/funnel-rebuild.ts),
// in process: the command line's `erase` rests on them.
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { ERASED_TABLES, eraseProspect } from '../../src/prospects/erase';
import { rebuildFunnelCounts } from '../../src/reports/funnel-rebuild';
import { signConversionBody } from '../../src/tracking/conversion-signature';
import { recordSendgridEvents } from '../../src/tracking/sendgrid-webhook';
import {
  campaignBody,
  manualClock,
  prospectCsv,
  sendCampaign,
  startApp,
  tableCounts,
} from '../helpers';
import { funnelRows } from './funnel-checks';

const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0';

/**
 * A campaign sent to its test and its remainder, with opens, clicks and conversions, some of
 * them by prospects held out of every email, all recorded the way the server records them.
 */
async function campaignWithHistory() {
  const clock = manualClock();
  const app = startApp({ clock });
  const { campaignId } = await sendCampaign(app, { holdoutFraction: 0.2 }, 80);
  clock.advance(3_600_000);

  const { sqlite, secret } = app.leadsplit.context;
  const http = request(app.app);
  const convert = async (email: string, key: string, value: number) => {
    const payload = JSON.stringify({ email, goal: 'purchase', value, idempotencyKey: key });
    const t = Math.floor(clock().getTime() / 1000);
    await http
      .post('/t/conversions')
      .set('Content-Type', 'application/json')
      .set('Leadsplit-Signature', signConversionBody(secret, payload, t))
      .send(payload)
      .expect(200);
  };
  const messages = sqlite
    .prepare(
      `SELECT m.id, p.email FROM messages m JOIN prospects p ON p.id = m.prospect_id ORDER BY m.id`,
    )
    .all() as { id: string; email: string }[];
  for (const [i, m] of messages.entries()) {
    if (i % 2 === 0) await http.get(`/t/o/${m.id}.gif`).set('User-Agent', BROWSER);
    if (i % 3 === 0) await http.get(`/t/c/${m.id}/shop`).set('User-Agent', BROWSER);
    if (i % 4 === 0) await convert(m.email, `order-${i}`, 10 + i);
    clock.advance(60_000);
  }
  const heldOut = sqlite
    .prepare(
      `SELECT p.email FROM enrollments e JOIN prospects p ON p.id = e.prospect_id
        WHERE e.phase = 'holdout' ORDER BY p.email LIMIT 3`,
    )
    .pluck()
    .all() as string[];
  for (const email of heldOut) await convert(email, `held-${email}`, 5);
  app.leadsplit.hits.flush();
  await app.api.post(`/api/campaigns/${campaignId}/rollout`).send({ variant: 'a' }).expect(200);
  await app.leadsplit.worker.drain();
  return { app, campaignId, messages, heldOut };
}

describe('rebuildFunnelCounts', () => {
  it('counts from the rows what the triggers kept as they were written', async () => {
    const { app, campaignId } = await campaignWithHistory();
    const kept = funnelRows(app.leadsplit.context.sqlite, campaignId);

    const written = rebuildFunnelCounts(app.leadsplit.context, campaignId);

    expect(funnelRows(app.leadsplit.context.sqlite, campaignId)).toEqual(kept);
    expect(kept.funnel.length).toBeGreaterThan(10);
    expect(kept.funnel).toContainEqual({
      variant_id: 0,
      phase: 'holdout',
      metric: 'customers',
      value: 3,
    });
    expect(written.funnelCounts).toBe(kept.funnel.length);
  });

  it('leaves the counts of other campaigns alone', async () => {
    const { app, campaignId } = await campaignWithHistory();
    const { body: other } = await app.api.post('/api/campaigns').send(campaignBody()).expect(201);
    await app.api
      .post(`/api/campaigns/${other.id}/prospects`)
      .type('text/csv')
      .send(prospectCsv(10));
    const before = funnelRows(app.leadsplit.context.sqlite, other.id);

    rebuildFunnelCounts(app.leadsplit.context, campaignId);

    expect(funnelRows(app.leadsplit.context.sqlite, other.id)).toEqual(before);
    expect(before.funnel).toEqual([
      { variant_id: 0, phase: 'list', metric: 'prospects', value: 10 },
    ]);
  });
});

describe('eraseProspect', () => {
  it("removes the prospect's rows, counts them per table and nothing else", async () => {
    const { app, campaignId, messages } = await campaignWithHistory();
    // The first email's lead opened, clicked and bought (i = 0 above).
    const target = messages[0]!;
    recordSendgridEvents(app.leadsplit.context, [
      {
        sg_event_id: 'd-1',
        event: 'delivered',
        timestamp: 1,
        message_id: target.id,
        email: target.email,
      },
    ]);
    const before = tableCounts(app.leadsplit);

    const erasure = eraseProspect(app.leadsplit.context, ` ${target.email.toUpperCase()} `);

    const after = tableCounts(app.leadsplit);
    for (const table of ERASED_TABLES) {
      expect(before[table]! - after[table]!, table).toBe(erasure.removed[table]);
    }
    expect(erasure).toMatchObject({
      email: target.email,
      status: 'active',
      campaigns: [campaignId],
      messages: [{ id: target.id, campaignId }],
      removed: {
        prospects: 1,
        messages: 1,
        conversions: 1,
        conversion_receipts: 1,
        webhook_events: 1,
      },
    });
    expect(erasure.removed.events).toBeGreaterThanOrEqual(3);
  });

  it('keeps an unsubscribed prospect suppressed, by a hash only, when imported again', async () => {
    const app = startApp();
    const { messageIds } = await sendCampaign(app, { testFraction: 1 }, 6);
    const { sqlite } = app.leadsplit.context;
    const emailOf = sqlite.prepare(
      'SELECT p.email FROM messages m JOIN prospects p ON p.id = m.prospect_id WHERE m.id = ?',
    );
    const [quitter, active] = messageIds.map((id) => emailOf.pluck().get(id) as string);
    await request(app.app).post(`/t/u/${messageIds[0]}`).expect(200);

    const erased = eraseProspect(app.leadsplit.context, quitter!);
    const kept = eraseProspect(app.leadsplit.context, active!);

    expect([erased.status, erased.suppressionKept]).toEqual(['unsubscribed', true]);
    expect([kept.status, kept.suppressionKept]).toEqual(['active', false]);
    const stored = JSON.stringify(sqlite.prepare('SELECT * FROM suppressed_addresses').all());
    expect(stored).not.toContain(quitter!.split('@')[0]);
    expect(sqlite.prepare('SELECT count(*) FROM suppressed_addresses').pluck().get()).toBe(1);

    const { body } = await app.api
      .post('/api/campaigns')
      .send(campaignBody({ testFraction: 1 }))
      .expect(201);
    const upload = await app.api
      .post(`/api/campaigns/${body.id}/prospects`)
      .type('text/csv')
      .send(`email\n${quitter!.toUpperCase()}\n${active}\n`)
      .expect(200);
    await app.api.post(`/api/campaigns/${body.id}/launch`).expect(200);
    await app.leadsplit.worker.drain();

    expect(upload.body).toMatchObject({ imported: 1, suppressed: 1 });
    const statusOf = sqlite.prepare('SELECT status FROM prospects WHERE email = ?').pluck();
    expect(statusOf.get(quitter)).toBe('unsubscribed');
    expect(statusOf.get(active)).toBe('active');
    const emailed = sqlite
      .prepare(
        `SELECT p.email FROM messages m JOIN prospects p ON p.id = m.prospect_id
          WHERE m.campaign_id = ?`,
      )
      .pluck()
      .all(body.id);
    expect(emailed).toEqual([active]);
  });

  it('answers 404 and changes nothing for an address nobody has', async () => {
    const { app } = await campaignWithHistory();
    const before = tableCounts(app.leadsplit);

    expect(() => eraseProspect(app.leadsplit.context, 'nobody@example.com')).toThrow(
      expect.objectContaining({ status: 404 }),
    );
    expect(tableCounts(app.leadsplit)).toEqual(before);
  });

  it("erases an address known only from a webhook event's payload", () => {
    const app = startApp();
    recordSendgridEvents(app.leadsplit.context, [
      { sg_event_id: 'x-1', event: 'bounce', timestamp: 1, email: 'Gone@Example.com' },
      { sg_event_id: 'x-2', event: 'bounce', timestamp: 1, email: 'kept@example.com' },
    ]);

    const erasure = eraseProspect(app.leadsplit.context, 'gone@example.com');

    expect(erasure).toMatchObject({ status: null, campaigns: [], removed: { webhook_events: 1 } });
    expect(tableCounts(app.leadsplit).webhook_events).toBe(1);
  });
});
