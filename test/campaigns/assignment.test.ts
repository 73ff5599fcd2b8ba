import { describe, expect, it } from 'vitest';
import { bucketFor, placementRule } from '../../src/campaigns/assignment';
import { srmTest } from '../../src/stats';
import { campaignBody, prospectCsv, startApp, tempDir } from '../helpers';

/** Pearson's goodness of fit of counts to weights: the p-value of the sample ratio test. */
const goodnessOfFit = (counts: number[], weights: number[]) => srmTest(counts, weights).pValue;

describe('bucketFor', () => {
  it('is the same for the same salt and prospect, and differs across salts', () => {
    expect(bucketFor('salt-1', 42)).toBe(bucketFor('salt-1', 42));
    expect(bucketFor('salt-1', 42)).not.toBe(bucketFor('salt-2', 42));
  });

  it('spreads sequential ids evenly over [0, 1)', () => {
    const deciles = new Array<number>(10).fill(0);
    for (let id = 1; id <= 100_000; id++) deciles[Math.floor(bucketFor('seed-a', id) * 10)]!++;
    expect(goodnessOfFit(deciles, new Array(10).fill(1))).toBeGreaterThan(0.001);
  });

  it('places a prospect in two campaigns independently', () => {
    // Cross-tabulate halves of two campaigns: independent salts fill all four cells alike.
    const cells = [0, 0, 0, 0];
    for (let id = 1; id <= 40_000; id++) {
      const a = bucketFor('campaign-one', id) < 0.5 ? 0 : 1;
      const b = bucketFor('campaign-two', id) < 0.5 ? 0 : 1;
      cells[a * 2 + b]!++;
    }
    expect(goodnessOfFit(cells, [1, 1, 1, 1])).toBeGreaterThan(0.001);
  });
});

describe('placementRule', () => {
  it('splits 100,000 prospects 1:1:2 as a goodness-of-fit test accepts', () => {
    const place = placementRule(1, [
      { id: 1, weight: 1 },
      { id: 2, weight: 1 },
      { id: 3, weight: 2 },
    ]);
    const counts = [0, 0, 0];
    for (let id = 1; id <= 100_000; id++) {
      const placement = place(bucketFor('fixed-seed-for-this-test', id));
      if (placement.phase === 'test') counts[placement.variantId - 1]!++;
    }

    expect(counts.reduce((a, b) => a + b, 0)).toBe(100_000);
    expect(goodnessOfFit(counts, [1, 1, 2])).toBeGreaterThan(0.001);
  });

  it('puts buckets at or above the test fraction in the remainder', () => {
    const place = placementRule(0.2, [
      { id: 1, weight: 1 },
      { id: 2, weight: 1 },
    ]);
    expect(place(0.2)).toEqual({ phase: 'remainder' });
    expect(place(0.05)).toEqual({ phase: 'test', variantId: 1 });
    expect(place(0.15)).toEqual({ phase: 'test', variantId: 2 });
  });
});

describe('POST /api/campaigns/:id/launch', () => {
  it('enrolls the list by test fraction and weights, queues one message per lead', async () => {
    const { api, leadsplit } = startApp();
    const body = campaignBody({ testFraction: 0.3 });
    const { body: created } = await api.post('/api/campaigns').send(body).expect(201);
    await api
      .post(`/api/campaigns/${created.id}/prospects`)
      .type('text/csv')
      .send(prospectCsv(2000))
      .expect(200);

    const res = await api.post(`/api/campaigns/${created.id}/launch`).expect(200);

    const { enrolled, campaign } = res.body;
    expect(campaign.status).toBe('testing');
    expect(enrolled.test + enrolled.remainder).toBe(2000);
    // 30 % of 2,000 with a binomial spread: far outside 450–750 means the rule is wrong.
    expect(enrolled.test).toBeGreaterThan(450);
    expect(enrolled.test).toBeLessThan(750);
    expect(campaign.remainder).toBe(enrolled.remainder);
    const perVariant = campaign.variants.map((v: { enrolled: number }) => v.enrolled);
    expect(perVariant[0] + perVariant[1]).toBe(enrolled.test);
    const queued = leadsplit.context.sqlite
      .prepare(`SELECT count(*) FROM messages WHERE campaign_id = ? AND status = 'queued'`)
      .pluck()
      .get(created.id);
    expect(queued).toBe(enrolled.test);
  });

  it('changes nothing when called a second time', async () => {
    const { api, leadsplit } = startApp();
    const { body: created } = await api.post('/api/campaigns').send(campaignBody()).expect(201);
    await api
      .post(`/api/campaigns/${created.id}/prospects`)
      .type('text/csv')
      .send(prospectCsv(200))
      .expect(200);
    await api.post(`/api/campaigns/${created.id}/launch`).expect(200);
    const snapshot = () =>
      leadsplit.context.sqlite
        .prepare('SELECT * FROM enrollments ORDER BY prospect_id')
        .all()
        .concat(leadsplit.context.sqlite.prepare('SELECT * FROM messages ORDER BY id').all());
    const before = snapshot();

    const res = await api.post(`/api/campaigns/${created.id}/launch`).expect(200);

    expect(res.body.enrolled).toEqual({ test: 0, remainder: 0, holdout: 0 });
    expect(snapshot()).toEqual(before);
  });

  it('gives a prospect the same variant after a restart and a re-import', async () => {
    const dir = tempDir();
    const first = startApp({ dir });
    const { body: created } = await first.api
      .post('/api/campaigns')
      .send(campaignBody())
      .expect(201);
    await first.api
      .post(`/api/campaigns/${created.id}/prospects`)
      .type('text/csv')
      .send(prospectCsv(300))
      .expect(200);
    await first.api.post(`/api/campaigns/${created.id}/launch`).expect(200);
    const assignments = () =>
      second.leadsplit.context.sqlite
        .prepare('SELECT prospect_id, phase, variant_id, bucket FROM enrollments ORDER BY 1')
        .all();
    const before = first.leadsplit.context.sqlite
      .prepare('SELECT prospect_id, phase, variant_id, bucket FROM enrollments ORDER BY 1')
      .all();
    await first.leadsplit.close();

    const second = startApp({ dir });
    const res = await second.api
      .post(`/api/campaigns/${created.id}/prospects`)
      .type('text/csv')
      .send(prospectCsv(300))
      .expect(200);

    expect(res.body).toMatchObject({ imported: 0, duplicates: 300 });
    expect(assignments()).toEqual(before);
  });

  it('refuses a launch with no leads, leaving the campaign a draft', async () => {
    const { api } = startApp();
    const { body: created } = await api.post('/api/campaigns').send(campaignBody()).expect(201);

    const res = await api.post(`/api/campaigns/${created.id}/launch`).expect(409);

    expect(res.body.error.code).toBe('no_leads');
    expect((await api.get(`/api/campaigns/${created.id}`)).body.status).toBe('draft');
  });
});
