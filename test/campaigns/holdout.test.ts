import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { placementRule } from '../../src/campaigns/assignment';
import { signConversionBody } from '../../src/tracking/conversion-signature';
import { campaignBody, manualClock, prospectCsv, startApp } from '../helpers';

describe('placementRule with a holdout', () => {
  it('holds out the top of the range and places the rest as without one', () => {
    const variants = [
      { id: 1, weight: 1 },
      { id: 2, weight: 1 },
    ];
    const plain = placementRule(0.5, variants);
    const held = placementRule(0.5, variants, 0.1);
    expect(held(0.95)).toEqual({ phase: 'holdout' });
    expect(held(0.2)).toEqual(plain(0.2 / 0.9));
    expect(placementRule(0.5, variants, 0)(0.7)).toEqual(plain(0.7));
  });
});

describe('a campaign with a holdout', () => {
  it('emails nobody held out, counts their conversions, and shows what the campaign adds', async () => {
    const clock = manualClock();
    const app = startApp({ clock });
    const { body } = await app.api
      .post('/api/campaigns')
      .send(campaignBody({ testFraction: 0.5, holdoutFraction: 0.2 }))
      .expect(201);
    await app.api
      .post(`/api/campaigns/${body.id}/prospects`)
      .type('text/csv')
      .send(prospectCsv(500));
    const launch = await app.api.post(`/api/campaigns/${body.id}/launch`).expect(200);
    await app.leadsplit.worker.drain();
    await app.api.post(`/api/campaigns/${body.id}/rollout`).send({ variant: 'a' }).expect(200);
    await app.leadsplit.worker.drain();
    const { sqlite, secret } = app.leadsplit.context;
    const heldOut = sqlite
      .prepare(
        `SELECT p.email FROM enrollments e JOIN prospects p ON p.id = e.prospect_id
          WHERE e.campaign_id = ? AND e.phase = 'holdout' ORDER BY p.email`,
      )
      .pluck()
      .all(body.id) as string[];
    clock.advance(86_400_000);
    for (const email of heldOut.slice(0, 5)) {
      const payload = JSON.stringify({ email, goal: 'purchase', idempotencyKey: `order-${email}` });
      await request(app.app)
        .post('/t/conversions')
        .set('Content-Type', 'application/json')
        .set('Leadsplit-Signature', signConversionBody(secret, payload, clock().getTime() / 1000))
        .send(payload)
        .expect(200);
    }

    const emailedHeldOut = sqlite
      .prepare(
        `SELECT count(*) FROM messages m JOIN enrollments e
            ON e.campaign_id = m.campaign_id AND e.prospect_id = m.prospect_id
          WHERE m.campaign_id = ? AND e.phase = 'holdout'`,
      )
      .pluck()
      .get(body.id);
    const report = (await app.api.get(`/api/campaigns/${body.id}/report`).expect(200)).body;

    expect(launch.body.enrolled.holdout).toBe(heldOut.length);
    expect(heldOut.length).toBeGreaterThan(60);
    expect(heldOut.length).toBeLessThan(140);
    expect(emailedHeldOut).toBe(0);
    expect(report.holdout.heldOut).toMatchObject({ prospects: heldOut.length, customers: 5 });
    expect(report.holdout.emailed.leads).toBe(500 - heldOut.length);
    expect(report.holdout.lift).toBeCloseTo(0 - 5 / heldOut.length, 12);
    expect(report.holdout.interval.lower).toBeLessThan(report.holdout.lift);
  });
});
