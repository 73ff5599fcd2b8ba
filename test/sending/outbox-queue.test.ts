import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { campaignBody, prospectCsv, startApp } from '../helpers';

async function launched(options: Parameters<typeof startApp>[0] = {}, csv = prospectCsv(120)) {
  const app = startApp(options);
  const body = campaignBody({
    testFraction: 1,
    fieldDefaults: { first_name: 'friend' },
    variants: [
      { key: 'a', name: 'A', subject: 'Hello {{first_name}}', template: 'announcement' },
      { key: 'b', name: 'B', subject: 'Offer for {{first_name}}', template: 'offer' },
    ],
  });
  const { body: campaign } = await app.api.post('/api/campaigns').send(body).expect(201);
  await app.api.post(`/api/campaigns/${campaign.id}/prospects`).type('text/csv').send(csv);
  await app.api.post(`/api/campaigns/${campaign.id}/launch`).expect(200);
  return { ...app, campaignId: campaign.id as number };
}

const statuses = (app: Awaited<ReturnType<typeof launched>>) =>
  app.leadsplit.context.sqlite
    .prepare('SELECT status, count(*) AS n FROM messages GROUP BY status ORDER BY status')
    .all();

describe('the send queue on the outbox mailer', () => {
  it('writes one .eml per test lead and marks every message sent', async () => {
    const app = await launched({ sending: { batchSize: 50 } });

    const sent = await app.leadsplit.worker.drain();

    expect(sent).toBe(120);
    expect(statuses(app)).toEqual([{ status: 'sent', n: 120 }]);
    const files = readdirSync(join(app.dir, 'outbox', String(app.campaignId)));
    expect(files.filter((f) => f.endsWith('.eml'))).toHaveLength(120);
    const batches = app.leadsplit.context.sqlite
      .prepare(`SELECT size FROM send_batches WHERE status = 'sent'`)
      .pluck()
      .all() as number[];
    expect(Math.max(...batches)).toBeLessThanOrEqual(50);
    expect(await app.leadsplit.worker.drain()).toBe(0);
  });

  it('gives every email one-click unsubscribe headers and the recipient’s own values', async () => {
    const app = await launched({}, 'email,first_name\nann@example.com,Ann\nbo@example.com,\n');
    await app.leadsplit.worker.drain();

    const { sqlite } = app.leadsplit.context;
    const rows = sqlite
      .prepare(
        `SELECT m.id, p.email FROM messages m JOIN prospects p ON p.id = m.prospect_id ORDER BY p.email`,
      )
      .all() as { id: string; email: string }[];
    const eml = (id: string) =>
      simpleParser(readFileSync(join(app.dir, 'outbox', String(app.campaignId), `${id}.eml`)));
    const ann = await eml(rows[0]!.id);
    const bo = await eml(rows[1]!.id);

    const header = (name: string) => ann.headerLines.find((h) => h.key === name)?.line;
    expect(header('list-unsubscribe')).toBe(
      `List-Unsubscribe: <http://leadsplit.test/t/u/${rows[0]!.id}>`,
    );
    expect(header('list-unsubscribe-post')).toBe(
      'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
    );
    expect(ann.to).toMatchObject({ value: [{ name: 'Ann', address: 'ann@example.com' }] });
    expect(ann.subject).toMatch(/^(Hello|Offer for) Ann$/);
    expect(ann.html).toContain(`/t/c/${rows[0]!.id}/shop`);
    expect(ann.html).toContain(`/t/o/${rows[0]!.id}.gif`);
    expect(ann.text).toContain(`/t/c/${rows[0]!.id}/shop`);
    expect(`${ann.html}${ann.text}${ann.subject}`).not.toContain('[%');
    expect(bo.subject).toMatch(/^(Hello|Offer for) friend$/);
    expect(bo.text).toMatch(/friend/);
  });

  it('sends nothing for a campaign still in draft', async () => {
    const app = startApp();
    const { body } = await app.api.post('/api/campaigns').send(campaignBody()).expect(201);
    await app.api.post(`/api/campaigns/${body.id}/prospects`).type('text/csv').send(prospectCsv(5));

    expect(await app.leadsplit.worker.drain()).toBe(0);
  });

  it('cancels a queued message when its prospect unsubscribes before it goes out', async () => {
    const app = await launched();
    const { sqlite } = app.leadsplit.context;
    const first = sqlite.prepare('SELECT id FROM messages LIMIT 1').pluck().get() as string;
    await app.api.post(`/t/u/${first}`).type('form').send('List-Unsubscribe=One-Click').expect(200);
    const another = sqlite
      .prepare(`SELECT id FROM messages WHERE status = 'queued' LIMIT 1`)
      .pluck()
      .get() as string;
    sqlite
      .prepare(
        `UPDATE prospects SET status = 'bounced' WHERE id = (SELECT prospect_id FROM messages WHERE id = ?)`,
      )
      .run(another);

    await app.leadsplit.worker.drain();

    expect(statuses(app)).toEqual([
      { status: 'cancelled', n: 2 },
      { status: 'sent', n: 118 },
    ]);
  });
});

describe('GET /api/outbox', () => {
  it('lists what the outbox wrote for a campaign and serves each message', async () => {
    const app = await launched({}, prospectCsv(3));
    await app.leadsplit.worker.drain();

    const list = await app.api.get(`/api/outbox/${app.campaignId}`).expect(200);
    expect(list.body.messages).toHaveLength(3);
    const one = await app.api
      .get(`/api/outbox/${app.campaignId}/${list.body.messages[0].messageId}.eml`)
      .expect(200);
    expect(one.headers['content-type']).toMatch(/message\/rfc822/);
    await app.api.get(`/api/outbox/${app.campaignId}/not-a-message-id.eml`).expect(400);
  });
});
