import request from 'supertest';
import { describe, expect, it } from 'vitest';
import {
  conversionDays,
  countEnrolled,
  countLeads,
  countReach,
  type FunnelEventType,
} from '../../src/reports/funnel-queries';
import { variantResults } from '../../src/reports/variant-results';
import { signConversionBody } from '../../src/tracking/conversion-signature';
import { campaignBody, manualClock, prospectCsv, startApp } from '../helpers';

const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0';

describe('the funnel counts kept by the database', () => {
  it('equal the funnel counted from the rows, after sends, hits, sweeps and conversions', async () => {
    const clock = manualClock();
    const app = startApp({ clock });
    const links = [
      { key: 'shop', url: 'https://shop.example.com/' },
      { key: 'blog', url: 'https://blog.example.com/' },
    ];
    // Both links in every email: a scanner's sweep clicks all the links of the email.
    const html = `<a href="{{link 'shop'}}">Shop</a> <a href="{{link 'blog'}}">Blog</a>`;
    const variants = campaignBody().variants.map((v) => ({ ...v, html }));
    const { body } = await app.api
      .post('/api/campaigns')
      .send(campaignBody({ testFraction: 0.7, links, variants }))
      .expect(201);
    await app.api
      .post(`/api/campaigns/${body.id}/prospects`)
      .type('text/csv')
      .send(prospectCsv(120));
    await app.api.post(`/api/campaigns/${body.id}/launch`).expect(200);
    await app.leadsplit.worker.drain();
    clock.advance(3_600_000);
    const { sqlite, secret } = app.leadsplit.context;
    const messages = sqlite
      .prepare(
        `SELECT m.id, p.email FROM messages m JOIN prospects p ON p.id = m.prospect_id ORDER BY m.id`,
      )
      .all() as { id: string; email: string }[];
    const http = request(app.app);

    for (const [i, m] of messages.entries()) {
      if (i % 2 === 0) await http.get(`/t/o/${m.id}.gif`).set('User-Agent', BROWSER);
      if (i % 3 === 0) await http.get(`/t/o/${m.id}.gif`).set('User-Agent', 'Mozilla/5.0');
      if (i % 4 === 0) await http.get(`/t/c/${m.id}/shop`).set('User-Agent', BROWSER);
      if (i % 5 === 0) {
        // A scanner's sweep of both links: flagged after the fact, taking back a human click.
        await http.get(`/t/c/${m.id}/shop`).set('User-Agent', BROWSER);
        await http.get(`/t/c/${m.id}/blog`).set('User-Agent', BROWSER);
      }
      if (i % 6 === 0) {
        const payload = JSON.stringify({
          email: m.email,
          goal: 'purchase',
          value: 10 + i,
          idempotencyKey: `order-${i}`,
        });
        const t = Math.floor(clock().getTime() / 1000);
        await http
          .post('/t/conversions')
          .set('Content-Type', 'application/json')
          .set('Leadsplit-Signature', signConversionBody(secret, payload, t))
          .send(payload)
          .expect(200);
      }
      clock.advance(60_000);
    }
    app.leadsplit.hits.flush();

    const results = variantResults(app.leadsplit.context, body.id);

    let clickedHuman = 0;
    for (const v of results.variants) {
      const scope = { campaignId: body.id, variantId: v.variantId, phaseFilter: null };
      const reach = (type: FunnelEventType) => countReach(sqlite, scope, type);
      const days = conversionDays(sqlite, body.id, 'purchase', 'test').filter(
        (d) => d.variantId === v.variantId,
      );
      expect(v.enrolled).toBe(countEnrolled(sqlite, body.id, v.variantId, 'test'));
      expect(v.leads).toBe(countLeads(sqlite, scope));
      expect(v.opened).toEqual(reach('opened'));
      expect(v.clicked).toEqual(reach('clicked'));
      expect(v.customers).toBe(days.reduce((s, d) => s + d.customers, 0));
      expect(v.conversionValue).toBeCloseTo(
        days.reduce((s, d) => s + d.value, 0),
        9,
      );
      expect(v.conversionValueSquares).toBeCloseTo(
        days.reduce((s, d) => s + d.valueSquares, 0),
        6,
      );
      clickedHuman += v.clicked.human;
    }
    expect(results.totals.customers).toBeGreaterThan(5);
    expect(results.totals.opened.raw).toBeGreaterThan(results.totals.opened.human);
    expect(results.totals.clicked.raw).toBeGreaterThan(clickedHuman);
  });
});
