// Campaigns sent through the API, and the events and conversions a test writes straight into
// their database, for the per-variant results tests.
import { sendCampaign, type TestApp } from '../helpers';

export const SENT_AT = Date.UTC(2026, 2, 2, 9);
export const HOUR = 3_600_000;

export interface Lead {
  messageId: string;
  prospectId: number;
  variantId: number;
}

/**
 * A campaign created, imported, launched and sent through the API. With testFraction 1 every
 * prospect is a test lead; below it, the rest is held back as the remainder.
 */
export async function sentCampaign(
  app: TestApp,
  options: { prospects?: number; body?: Record<string, unknown> } = {},
) {
  const { prospects = 40, body = {} } = options;
  const { campaign } = await sendCampaign(app, { testFraction: 1, ...body }, prospects);

  const { sqlite } = app.leadsplit.context;
  const variantIds = (campaign.variants as { id: number; key: string }[]).map((v) => v.id);
  const leadsOf = (variantId: number) =>
    sqlite
      .prepare(
        `SELECT id AS messageId, prospect_id AS prospectId, variant_id AS variantId
           FROM messages WHERE campaign_id = ? AND variant_id = ? AND phase = 'test'
          ORDER BY prospect_id`,
      )
      .all(campaign.id, variantId) as Lead[];
  return { campaignId: campaign.id as number, goal: campaign.goal as string, variantIds, leadsOf };
}

export function addEvent(
  app: TestApp,
  campaignId: number,
  lead: Lead,
  type: string,
  options: { machine?: boolean; at?: number } = {},
) {
  app.leadsplit.context.sqlite
    .prepare(
      `INSERT INTO events (message_id, campaign_id, variant_id, type, occurred_at, machine)
       VALUES (?, ?, ?, ?, ?, ?)`,
    )
    .run(
      lead.messageId,
      campaignId,
      lead.variantId,
      type,
      options.at ?? SENT_AT + HOUR,
      options.machine ? 1 : 0,
    );
}

export function addConversion(
  app: TestApp,
  campaignId: number,
  lead: Lead,
  options: { goal?: string; value?: number | null; at?: number } = {},
) {
  app.leadsplit.context.sqlite
    .prepare(
      `INSERT INTO conversions (campaign_id, variant_id, prospect_id, goal, value, occurred_at,
         source)
       VALUES (?, ?, ?, ?, ?, ?, 'postback')`,
    )
    .run(
      campaignId,
      lead.variantId,
      lead.prospectId,
      options.goal ?? 'purchase',
      options.value === undefined ? 10 : options.value,
      options.at ?? SENT_AT + 2 * HOUR,
    );
}
