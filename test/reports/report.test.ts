import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { campaignBody, manualClock, prospectCsv, startApp } from '../helpers';

/** A sent campaign whose variant b converts `rateB` of its leads and variant a `rateA`. */
async function campaignWithResults(leads: number, rateA: number, rateB: number) {
  const clock = manualClock();
  const app = startApp({ clock });
  const { body } = await app.api
    .post('/api/campaigns')
    .send(campaignBody({ testFraction: 1, minimumDetectableEffect: 0.02 }))
    .expect(201);
  await app.api
    .post(`/api/campaigns/${body.id}/prospects`)
    .type('text/csv')
    .send(prospectCsv(leads));
  await app.api.post(`/api/campaigns/${body.id}/launch`).expect(200);
  const { sqlite } = app.leadsplit.context;
  // What is under test is the report, not sending: the emails are marked sent directly.
  sqlite.prepare(`UPDATE messages SET status = 'sent', sent_at = ?`).run(clock().getTime());
  const messages = sqlite
    .prepare(
      `SELECT m.prospect_id AS prospectId, m.variant_id AS variantId, v.key FROM messages m
         JOIN variants v ON v.id = m.variant_id ORDER BY m.prospect_id`,
    )
    .all() as { prospectId: number; variantId: number; key: string }[];
  const insert = sqlite.prepare(
    `INSERT INTO conversions (campaign_id, variant_id, prospect_id, goal, value, occurred_at, source)
     VALUES (?, ?, ?, 'purchase', ?, ?, 'test')`,
  );
  const seen = { a: 0, b: 0 } as Record<string, number>;
  const counts = { a: 0, b: 0 } as Record<string, number>;
  for (const m of messages) {
    counts[m.key]!++;
    const rate = m.key === 'a' ? rateA : rateB;
    // Every 1/rate-th lead converts: exact, so the expected figures are known.
    if (Math.floor(counts[m.key]! * rate) > seen[m.key]!) {
      seen[m.key]!++;
      insert.run(body.id, m.variantId, m.prospectId, 40, clock().getTime() + 86_400_000);
    }
  }
  clock.advance(40 * 86_400_000);
  return { ...app, campaignId: body.id as number, counts, customers: seen };
}

describe('GET /api/campaigns/:id/report', () => {
  it('declares the clearly better variant the winner, with its figures', async () => {
    const app = await campaignWithResults(6000, 0.05, 0.1);

    const { body: report } = await app.api
      .get(`/api/campaigns/${app.campaignId}/report`)
      .expect(200);

    expect(report.verdict.kind).toBe('winner');
    expect(report.verdict.winner.key).toBe('b');
    expect(report.verdict.sentence).toMatch(/^Variant B|^Urgent/);
    const [a, b] = report.variants;
    expect(a.leads).toBe(app.counts.a);
    expect(b.customers).toBe(app.customers.b);
    expect(b.figures.rate).toBeCloseTo(app.customers.b! / app.counts.b!, 12);
    expect(b.figures.uplift.absolute).toBeGreaterThan(0.03);
    expect(b.revenuePerLead).toBeCloseTo((40 * app.customers.b!) / app.counts.b!, 9);
    expect(report.sampleRatio.mismatch).toBe(false);
    expect(report.channels.map((c: { source: string }) => c.source)).toEqual(['ads', 'newsletter']);
    const last = report.cumulative.at(-1);
    expect(last.variants.b.customers).toBe(app.customers.b);
    expect(last.variants.b.leads).toBe(app.counts.b);
  });

  it('says no difference when both convert alike on enough leads', async () => {
    const app = await campaignWithResults(12000, 0.05, 0.05);
    const { body: report } = await app.api
      .get(`/api/campaigns/${app.campaignId}/report`)
      .expect(200);
    expect(report.verdict.kind).toBe('no-difference');
  });

  it('serves the same figures as CSV', async () => {
    const app = await campaignWithResults(2000, 0.05, 0.08);
    const { body: report } = await app.api.get(`/api/campaigns/${app.campaignId}/report`);

    const res = await app.api.get(`/api/campaigns/${app.campaignId}/report.csv`).expect(200);

    expect(res.headers['content-type']).toMatch(/text\/csv/);
    const rows = parse(res.text, { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => r.variant)).toEqual(['a', 'b']);
    rows.forEach((row, i) => {
      const v = report.variants[i];
      expect(Number(row.leads)).toBe(v.leads);
      expect(Number(row.customers)).toBe(v.customers);
      expect(Number(row.lead_to_customer_ratio)).toBe(v.figures.rate);
      expect(Number(row.p_value_adjusted || NaN)).toEqual(v.figures.adjustedPValue ?? NaN);
    });
  });

  it('refuses an unknown method with 400 and an unknown campaign with 404', async () => {
    const { api } = startApp();
    await api.get('/api/campaigns/1/report?method=magic').expect(400);
    await api.get('/api/campaigns/99/report').expect(404);
  });
});
