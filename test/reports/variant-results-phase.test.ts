import { describe, expect, it } from 'vitest';
import { explainFunnelQueries } from '../../src/reports/funnel-queries';
import { variantResults, type VariantFunnel } from '../../src/reports/variant-results';
import { startApp } from '../helpers';
import { addConversion, addEvent, SENT_AT, sentCampaign, type Lead } from './funnel-fixtures';

describe('variantResults by phase', () => {
  /**
   * Half the list in the test, the other half held back; then a rollout as it will be done:
   * the remainder enrolled to variant b and sent its own remainder-phase messages.
   */
  async function rolledOut() {
    const app = startApp();
    const campaign = await sentCampaign(app, { prospects: 60, body: { testFraction: 0.5 } });
    const { sqlite } = app.leadsplit.context;
    const winner = campaign.variantIds[1]!;
    sqlite
      .prepare(
        `UPDATE enrollments SET variant_id = ? WHERE campaign_id = ? AND phase = 'remainder'`,
      )
      .run(winner, campaign.campaignId);
    const remainder = sqlite
      .prepare(
        `SELECT prospect_id FROM enrollments WHERE campaign_id = ? AND phase = 'remainder'
          ORDER BY prospect_id`,
      )
      .pluck()
      .all(campaign.campaignId) as number[];
    const insert = sqlite.prepare(
      `INSERT INTO messages (id, campaign_id, variant_id, prospect_id, phase, status, queued_at,
         sent_at)
       VALUES (?, ?, ?, ?, 'remainder', 'sent', ?, ?)`,
    );
    const rollout = remainder.map((prospectId, i): Lead => ({
      messageId: `remainder-message-${String(i).padStart(4, '0')}`,
      prospectId,
      variantId: winner,
    }));
    for (const lead of rollout) {
      insert.run(lead.messageId, campaign.campaignId, winner, lead.prospectId, SENT_AT, SENT_AT);
    }
    return { app, ...campaign, winner, rollout };
  }

  it('counts only test-phase emails by default, and the remainder on its own or with all', async () => {
    const { app, campaignId, variantIds, winner, rollout, leadsOf } = await rolledOut();
    const testLeads = leadsOf(winner);
    const loser = leadsOf(variantIds[0]!);
    expect(rollout.length).toBeGreaterThan(5);
    expect(testLeads.length).toBeGreaterThan(2);
    for (const lead of rollout.slice(0, 4)) {
      addEvent(app, campaignId, lead, 'delivered');
      addEvent(app, campaignId, lead, 'clicked');
    }
    addEvent(app, campaignId, rollout[0]!, 'clicked', { machine: true });
    addEvent(app, campaignId, rollout[4]!, 'opened', { machine: true });
    addConversion(app, campaignId, rollout[0]!, { value: 100 });
    addConversion(app, campaignId, rollout[1]!, { value: 100 });
    addEvent(app, campaignId, testLeads[0]!, 'clicked');
    addEvent(app, campaignId, testLeads[0]!, 'delivered');
    addEvent(app, campaignId, testLeads[1]!, 'opened');
    addConversion(app, campaignId, testLeads[0]!, { value: 1 });
    addEvent(app, campaignId, loser[0]!, 'clicked');
    const { context } = app.leadsplit;

    const test = variantResults(context, campaignId);
    const remainder = variantResults(context, campaignId, { phase: 'remainder' });
    const all = variantResults(context, campaignId, { phase: 'all' });

    const figures = (v: VariantFunnel) => ({
      enrolled: v.enrolled,
      leads: v.leads,
      delivered: v.delivered,
      opened: v.opened,
      clicked: v.clicked,
      customers: v.customers,
      conversionValue: v.conversionValue,
    });
    expect(figures(test.variants[1]!)).toEqual({
      enrolled: testLeads.length,
      leads: testLeads.length,
      delivered: 1,
      opened: { raw: 1, human: 1 },
      clicked: { raw: 1, human: 1 },
      customers: 1,
      conversionValue: 1,
    });
    expect(figures(remainder.variants[1]!)).toEqual({
      enrolled: rollout.length,
      leads: rollout.length,
      delivered: 4,
      opened: { raw: 1, human: 0 },
      clicked: { raw: 4, human: 4 },
      customers: 2,
      conversionValue: 200,
    });
    expect(figures(all.variants[1]!)).toEqual({
      enrolled: testLeads.length + rollout.length,
      leads: testLeads.length + rollout.length,
      delivered: 5,
      opened: { raw: 2, human: 1 },
      clicked: { raw: 5, human: 5 },
      customers: 3,
      conversionValue: 201,
    });
    expect(test.variants[0]!.clicked).toEqual({ raw: 1, human: 1 });
    expect(test.variants[0]!.leads).toBe(loser.length);
    expect(remainder.variants[0]).toMatchObject({ enrolled: 0, leads: 0, clicked: { raw: 0 } });
    expect(all.variants[0]!.clicked).toEqual({ raw: 1, human: 1 });
  });
});

describe('the funnel queries', () => {
  it('count every variant from a covering index range, with no table scan or temporary b-tree', () => {
    const { leadsplit } = startApp();

    const plans = explainFunnelQueries(leadsplit.context.sqlite);

    for (const name of ['enrolled', 'hasEnrollment', 'leads', 'distinct', 'anyEvent'] as const) {
      const searches = plans[name].filter((line) => line.startsWith('SEARCH'));
      expect(searches, name).toHaveLength(1);
      expect(searches[0], name).toMatch(/USING COVERING INDEX/);
      expect(plans[name].join('\n'), name).not.toMatch(/TEMP B-TREE|SCAN (events|messages)/);
    }
    expect(plans.distinctEither).toContain('MERGE (UNION)');
    expect(plans.distinctEither.join('\n')).not.toMatch(/TEMP B-TREE/);
    expect(plans.conversionDays.join('\n')).toMatch(
      /SEARCH c USING .*INDEX conversions_\w+ \(campaign_id=\?[^]*SEARCH m USING INDEX messages_campaign_prospect_phase/,
    );
  });
});
