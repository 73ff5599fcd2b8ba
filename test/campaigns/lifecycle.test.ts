import { describe, expect, it } from 'vitest';
import { campaignBody, manualClock, prospectCsv, startApp } from '../helpers';

async function launched(testFraction = 0.5, leads = 200) {
  const clock = manualClock();
  const app = startApp({ clock });
  const { body } = await app.api
    .post('/api/campaigns')
    .send(campaignBody({ testFraction }))
    .expect(201);
  await app.api
    .post(`/api/campaigns/${body.id}/prospects`)
    .type('text/csv')
    .send(prospectCsv(leads));
  await app.api.post(`/api/campaigns/${body.id}/launch`).expect(200);
  const { sqlite } = app.leadsplit.context;
  const count = (where: string) =>
    sqlite
      .prepare(`SELECT count(*) FROM messages WHERE campaign_id = ? AND ${where}`)
      .pluck()
      .get(body.id);
  return { ...app, id: body.id as number, clock, count };
}

describe('the campaign lifecycle', () => {
  it('pauses the send queue for a campaign, and resumes it where it was', async () => {
    const app = await launched();

    await app.api.post(`/api/campaigns/${app.id}/pause`).expect(200);
    const whilePaused = await app.leadsplit.worker.drain();
    const resumed = await app.api.post(`/api/campaigns/${app.id}/resume`).expect(200);
    const afterResume = await app.leadsplit.worker.drain();

    expect(whilePaused).toBe(0);
    expect(resumed.body.status).toBe('testing');
    expect(afterResume).toBeGreaterThan(0);
  });

  it('answers an illegal move with 409 and the current state', async () => {
    const app = await launched();
    await app.api.post(`/api/campaigns/${app.id}/cancel`).expect(200);

    const res = await app.api.post(`/api/campaigns/${app.id}/resume`).expect(409);
    const launch = await app.api.post(`/api/campaigns/${app.id}/pause`).expect(409);

    expect(res.body.error.details).toMatchObject({ status: 'cancelled' });
    expect(launch.body.error).toMatchObject({
      code: 'illegal_transition',
      details: { status: 'cancelled' },
    });
    expect(app.count(`status = 'queued'`)).toBe(0);
  });
});

describe('POST /api/campaigns/:id/rollout', () => {
  it('sends the named variant to the remainder, then completes once it is sent', async () => {
    const app = await launched();
    await app.leadsplit.worker.drain();
    const remainder = app.leadsplit.context.sqlite
      .prepare(`SELECT count(*) FROM enrollments WHERE campaign_id = ? AND phase = 'remainder'`)
      .pluck()
      .get(app.id) as number;

    const res = await app.api
      .post(`/api/campaigns/${app.id}/rollout`)
      .send({ variant: 'b' })
      .expect(200);
    await app.leadsplit.worker.drain();

    expect(res.body).toMatchObject({ variant: 'b', queued: remainder });
    expect(res.body.campaign.status).toBe('rolling_out');
    expect(app.count(`phase = 'remainder' AND status = 'sent'`)).toBe(remainder);
    const variantOf = app.leadsplit.context.sqlite
      .prepare(
        `SELECT DISTINCT v.key FROM messages m JOIN variants v ON v.id = m.variant_id
          WHERE m.campaign_id = ? AND m.phase = 'remainder'`,
      )
      .pluck()
      .all(app.id);
    expect(variantOf).toEqual(['b']);
    const after = await app.api.get(`/api/campaigns/${app.id}`).expect(200);
    expect(after.body.status).toBe('completed');
    const report = await app.api.get(`/api/campaigns/${app.id}/report`).expect(200);
    expect(report.body.totals.leads).toBe(app.count(`phase = 'test' AND status = 'sent'`));
  });

  it('refuses a rollout without a winner or a named variant, and a second rollout', async () => {
    const app = await launched();
    const none = await app.api.post(`/api/campaigns/${app.id}/rollout`).expect(409);
    await app.api.post(`/api/campaigns/${app.id}/rollout`).send({ variant: 'zz' }).expect(409);
    await app.api.post(`/api/campaigns/${app.id}/rollout`).send({ variant: 'a' }).expect(200);
    await app.api.post(`/api/campaigns/${app.id}/rollout`).send({ variant: 'a' }).expect(409);

    expect(none.body.error.code).toBe('no_winner');
  });

  it('leaves out prospects who unsubscribed before the rollout', async () => {
    const app = await launched();
    const { sqlite } = app.leadsplit.context;
    const held = sqlite
      .prepare(
        `SELECT prospect_id FROM enrollments WHERE campaign_id = ? AND phase = 'remainder' LIMIT 1`,
      )
      .pluck()
      .get(app.id);
    sqlite.prepare(`UPDATE prospects SET status = 'unsubscribed' WHERE id = ?`).run(held);

    await app.api.post(`/api/campaigns/${app.id}/rollout`).send({ variant: 'a' }).expect(200);

    const theirs = sqlite
      .prepare(`SELECT count(*) FROM messages WHERE prospect_id = ? AND phase = 'remainder'`)
      .pluck()
      .get(held);
    expect(theirs).toBe(0);
  });
});
