import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors';
import { rebuildFunnelCounts } from '../../src/reports/funnel-rebuild';
import { variantResults, type VariantFunnel } from '../../src/reports/variant-results';
import { startApp } from '../helpers';
import { addConversion, addEvent, HOUR, SENT_AT, sentCampaign } from './funnel-fixtures';

const byKey = (variants: VariantFunnel[], key: string) => variants.find((v) => v.key === key)!;

describe('variantResults', () => {
  it('lists every variant in position order with its identity, enrolled and leads', async () => {
    const app = startApp();
    const { campaignId, variantIds, leadsOf } = await sentCampaign(app, {
      body: {
        variants: [
          { key: 'a', name: 'Plain', subject: 'Hello', weight: 2 },
          { key: 'b', name: 'Urgent', subject: 'Hurry', control: true },
          { key: 'c', name: 'Quiet', subject: 'Hi' },
        ],
      },
    });
    // A variant no prospect was assigned to: its leads go to the first variant.
    app.leadsplit.context.sqlite
      .prepare(`UPDATE messages SET variant_id = ? WHERE variant_id = ?`)
      .run(variantIds[0], variantIds[2]);
    app.leadsplit.context.sqlite
      .prepare(`UPDATE enrollments SET variant_id = ? WHERE variant_id = ?`)
      .run(variantIds[0], variantIds[2]);

    const results = variantResults(app.leadsplit.context, campaignId);

    expect(results).toMatchObject({ campaignId, goal: 'purchase', phase: 'test' });
    expect(results.variants.map((v) => [v.key, v.name, v.control, v.weight])).toEqual([
      ['a', 'Plain', false, 2],
      ['b', 'Urgent', true, 1],
      ['c', 'Quiet', false, 1],
    ]);
    expect(results.variants.map((v) => v.variantId)).toEqual(variantIds);
    const a = leadsOf(variantIds[0]!).length;
    const b = leadsOf(variantIds[1]!).length;
    expect(a + b).toBe(40);
    expect(results.variants.map((v) => [v.enrolled, v.leads])).toEqual([
      [a, a],
      [b, b],
      [0, 0],
    ]);
    expect(byKey(results.variants, 'c')).toEqual({
      variantId: variantIds[2],
      key: 'c',
      name: 'Quiet',
      control: false,
      weight: 1,
      enrolled: 0,
      leads: 0,
      delivered: 0,
      bounced: 0,
      opened: { raw: 0, human: 0 },
      clicked: { raw: 0, human: 0 },
      customers: 0,
      conversionValue: 0,
      conversionValueSquares: 0,
      conversionsByDay: [],
    });
    expect(results.totals).toMatchObject({ enrolled: 40, leads: 40, customers: 0 });
  });

  it('counts a message once however many events of one type it has', async () => {
    const app = startApp();
    const { campaignId, variantIds, leadsOf } = await sentCampaign(app);
    const [first, second] = leadsOf(variantIds[0]!);
    addEvent(app, campaignId, first!, 'clicked');
    addEvent(app, campaignId, first!, 'clicked', { at: SENT_AT + 2 * HOUR });
    addEvent(app, campaignId, first!, 'opened');
    addEvent(app, campaignId, first!, 'opened');
    addEvent(app, campaignId, first!, 'opened');
    addEvent(app, campaignId, second!, 'opened');

    const a = variantResults(app.leadsplit.context, campaignId).variants[0]!;

    expect(a.clicked).toEqual({ raw: 1, human: 1 });
    expect(a.opened).toEqual({ raw: 2, human: 2 });
  });

  it('counts machine-only events in raw but not human, and a message with both in both', async () => {
    const app = startApp();
    const { campaignId, variantIds, leadsOf } = await sentCampaign(app);
    const [scanned, both, person, proxied] = leadsOf(variantIds[1]!);
    addEvent(app, campaignId, scanned!, 'clicked', { machine: true });
    addEvent(app, campaignId, scanned!, 'clicked', { machine: true });
    addEvent(app, campaignId, both!, 'clicked', { machine: true });
    addEvent(app, campaignId, both!, 'clicked');
    addEvent(app, campaignId, person!, 'clicked');
    addEvent(app, campaignId, proxied!, 'opened', { machine: true });

    const results = variantResults(app.leadsplit.context, campaignId);

    expect(results.variants[1]!.clicked).toEqual({ raw: 3, human: 2 });
    expect(results.variants[1]!.opened).toEqual({ raw: 1, human: 0 });
    expect(results.variants[0]!.clicked).toEqual({ raw: 0, human: 0 });
    expect(results.totals.clicked).toEqual({ raw: 3, human: 2 });
  });

  it('counts delivered and bounced messages, each message once', async () => {
    const app = startApp();
    const { campaignId, variantIds, leadsOf } = await sentCampaign(app);
    const [one, two, three] = leadsOf(variantIds[0]!);
    const [four] = leadsOf(variantIds[1]!);
    addEvent(app, campaignId, one!, 'delivered');
    addEvent(app, campaignId, two!, 'delivered');
    addEvent(app, campaignId, two!, 'delivered');
    addEvent(app, campaignId, three!, 'bounced');
    addEvent(app, campaignId, four!, 'bounced');
    addEvent(app, campaignId, four!, 'unsubscribed');

    const results = variantResults(app.leadsplit.context, campaignId);

    expect(results.variants.map((v) => [v.delivered, v.bounced])).toEqual([
      [2, 1],
      [0, 1],
    ]);
    expect(results.totals).toMatchObject({ delivered: 2, bounced: 2 });
  });

  it('counts a message that bounced and was then delivered as delivered only', async () => {
    const app = startApp();
    const { campaignId, variantIds, leadsOf } = await sentCampaign(app);
    const [retried, lost, deliveredFirst] = leadsOf(variantIds[0]!);
    addEvent(app, campaignId, retried!, 'bounced');
    addEvent(app, campaignId, retried!, 'bounced');
    addEvent(app, campaignId, retried!, 'delivered');
    addEvent(app, campaignId, retried!, 'delivered');
    addEvent(app, campaignId, lost!, 'bounced');
    addEvent(app, campaignId, deliveredFirst!, 'delivered');
    addEvent(app, campaignId, deliveredFirst!, 'bounced');

    const kept = variantResults(app.leadsplit.context, campaignId).variants[0]!;
    rebuildFunnelCounts(app.leadsplit.context, campaignId);
    const rebuilt = variantResults(app.leadsplit.context, campaignId).variants[0]!;

    expect([kept.delivered, kept.bounced]).toEqual([2, 1]);
    expect(rebuilt).toEqual(kept);
  });

  it('counts customers for the campaign’s goal only, with their values summed', async () => {
    const app = startApp();
    const { campaignId, variantIds, leadsOf } = await sentCampaign(app);
    const [one, two, three, four] = leadsOf(variantIds[0]!);
    addConversion(app, campaignId, one!, { value: 12.5 });
    addConversion(app, campaignId, two!, { value: 30 });
    addConversion(app, campaignId, three!, { value: null });
    addConversion(app, campaignId, four!, { goal: 'signup', value: 1000 });
    addConversion(app, campaignId, one!, { goal: 'signup', value: 1000 });

    const a = variantResults(app.leadsplit.context, campaignId).variants[0]!;

    expect(a.customers).toBe(3);
    expect(a.conversionValue).toBe(42.5);
    expect(a.conversionValueSquares).toBe(12.5 * 12.5 + 30 * 30);
  });

  it('groups conversions by the UTC day they happened, ascending, in variants and totals', async () => {
    const app = startApp();
    const { campaignId, variantIds, leadsOf } = await sentCampaign(app);
    const [a1, a2, a3] = leadsOf(variantIds[0]!);
    const [b1] = leadsOf(variantIds[1]!);
    // 23:30 at UTC−1 on 3 March is already 4 March in UTC.
    addConversion(app, campaignId, a1!, { at: Date.parse('2026-03-03T23:30:00-01:00'), value: 5 });
    addConversion(app, campaignId, a2!, { at: Date.parse('2026-03-02T23:59:59Z'), value: 7 });
    addConversion(app, campaignId, a3!, { at: Date.parse('2026-03-02T00:00:00Z'), value: 1 });
    addConversion(app, campaignId, b1!, { at: Date.parse('2026-03-04T08:00:00Z'), value: 2 });

    const results = variantResults(app.leadsplit.context, campaignId);

    expect(results.variants[0]!.conversionsByDay).toEqual([
      { day: '2026-03-02', customers: 2, value: 8 },
      { day: '2026-03-04', customers: 1, value: 5 },
    ]);
    expect(results.variants[1]!.conversionsByDay).toEqual([
      { day: '2026-03-04', customers: 1, value: 2 },
    ]);
    expect(results.totals.conversionsByDay).toEqual([
      { day: '2026-03-02', customers: 2, value: 8 },
      { day: '2026-03-04', customers: 2, value: 7 },
    ]);
  });

  it('does not count queued or failed emails as leads, nor their prospects as customers', async () => {
    const app = startApp();
    const { campaignId, variantIds, leadsOf } = await sentCampaign(app);
    const leads = leadsOf(variantIds[0]!);
    const [failed, queued, sent] = leads;
    const { sqlite } = app.leadsplit.context;
    sqlite.prepare(`UPDATE messages SET status = 'failed' WHERE id = ?`).run(failed!.messageId);
    sqlite
      .prepare(`UPDATE messages SET status = 'queued', sent_at = NULL WHERE id = ?`)
      .run(queued!.messageId);
    addConversion(app, campaignId, failed!);
    addConversion(app, campaignId, queued!);
    addConversion(app, campaignId, sent!);

    const a = variantResults(app.leadsplit.context, campaignId).variants[0]!;

    expect(a.enrolled).toBe(leads.length);
    expect(a.leads).toBe(leads.length - 2);
    expect(a.customers).toBe(1);
    expect(a.conversionValue).toBe(10);
  });

  it('never counts another campaign’s events or conversions, even of the same prospects', async () => {
    const app = startApp();
    const mine = await sentCampaign(app, { prospects: 20 });
    const other = await sentCampaign(app, { prospects: 20 });
    for (const variantId of other.variantIds) {
      for (const lead of other.leadsOf(variantId)) {
        addEvent(app, other.campaignId, lead, 'delivered');
        addEvent(app, other.campaignId, lead, 'opened');
        addEvent(app, other.campaignId, lead, 'clicked');
        addConversion(app, other.campaignId, lead);
      }
    }
    const [one] = mine.leadsOf(mine.variantIds[0]!);
    addEvent(app, mine.campaignId, one!, 'clicked');
    addConversion(app, mine.campaignId, one!, { value: 3 });

    const results = variantResults(app.leadsplit.context, mine.campaignId);

    expect(results.totals).toMatchObject({
      enrolled: 20,
      leads: 20,
      delivered: 0,
      opened: { raw: 0, human: 0 },
      clicked: { raw: 1, human: 1 },
      customers: 1,
      conversionValue: 3,
    });
    expect(variantResults(app.leadsplit.context, other.campaignId).totals).toMatchObject({
      leads: 20,
      delivered: 20,
      customers: 20,
    });
  });

  it('throws a 404 for an unknown campaign', () => {
    const app = startApp();

    const call = () => variantResults(app.leadsplit.context, 999);

    expect(call).toThrow(AppError);
    expect(call).toThrow(expect.objectContaining({ status: 404 }));
  });
});
