import { describe, expect, it } from 'vitest';
import { campaignBody, prospectCsv, startApp } from '../helpers';

async function sentCampaign() {
  const app = startApp();
  const { body } = await app.api.post('/api/campaigns').send(campaignBody({ testFraction: 1 }));
  await app.api.post(`/api/campaigns/${body.id}/prospects`).type('text/csv').send(prospectCsv(10));
  await app.api.post(`/api/campaigns/${body.id}/launch`).expect(200);
  const { sqlite } = app.leadsplit.context;
  const messageId = sqlite.prepare('SELECT id FROM messages LIMIT 1').pluck().get() as string;
  const prospectId = () =>
    sqlite.prepare('SELECT prospect_id FROM messages WHERE id = ?').pluck().get(messageId);
  const status = () =>
    sqlite.prepare('SELECT status FROM prospects WHERE id = ?').pluck().get(prospectId());
  return { ...app, messageId, status, sqlite };
}

describe('GET /t/u/:messageId', () => {
  it('asks for confirmation, showing a masked address, and changes nothing', async () => {
    const { api, messageId, status } = await sentCampaign();

    const res = await api.get(`/t/u/${messageId}`).expect(200);

    expect(res.text).toContain('<form method="post">');
    expect(res.text).toMatch(/u•+@example\.com/);
    expect(res.text).not.toMatch(/user\d+@example\.com/);
    expect(status()).toBe('active');
  });

  it('answers a neutral 404 page for an unknown or malformed id', async () => {
    const { api } = await sentCampaign();
    const unknown = await api.get('/t/u/AAAAAAAAAAAAAAAAAAAAAA').expect(404);
    const malformed = await api.get('/t/u/%27%20OR%201%3D1').expect(404);
    expect(unknown.text).toBe(malformed.text);
  });
});

describe('POST /t/u/:messageId (one click)', () => {
  it('unsubscribes at once, is safe to repeat, and stops every campaign’s email', async () => {
    const { api, messageId, status, sqlite, leadsplit } = await sentCampaign();
    const prospect = sqlite
      .prepare('SELECT prospect_id FROM messages WHERE id = ?')
      .pluck()
      .get(messageId);
    const other = (await api.post('/api/campaigns').send(campaignBody({ testFraction: 1 }))).body;
    await api.post(`/api/campaigns/${other.id}/prospects`).type('text/csv').send(prospectCsv(10));

    await api.post(`/t/u/${messageId}`).type('form').send('List-Unsubscribe=One-Click').expect(200);
    const again = await api.post(`/t/u/${messageId}`).expect(200);
    await api.post(`/api/campaigns/${other.id}/launch`).expect(200);
    await leadsplit.worker.drain();

    expect(again.text).toContain('You are unsubscribed');
    expect(status()).toBe('unsubscribed');
    const events = sqlite
      .prepare(`SELECT count(*) FROM events WHERE type = 'unsubscribed'`)
      .pluck()
      .get();
    expect(events).toBe(1);
    const laterMessages = sqlite
      .prepare(`SELECT count(*) FROM messages WHERE prospect_id = ? AND campaign_id = ?`)
      .pluck()
      .get(prospect, other.id);
    expect(laterMessages).toBe(0);
    const sentToThem = sqlite
      .prepare(`SELECT status FROM messages WHERE prospect_id = ?`)
      .pluck()
      .all(prospect);
    expect(sentToThem).toEqual(['cancelled']);
  });
});
