import { randomBytes } from 'node:crypto';
import { asc, desc, eq } from 'drizzle-orm';
import type { Context } from '../context';
import { tables } from '../db';
import { conflict, notFound } from '../errors';
import { checkCampaignEmails, fieldDefaultsOf } from '../sending/campaign-email';
import type { CampaignDecision } from './decision';
import type { CreateCampaignInput, LinkInput, UpdateCampaignInput, VariantInput } from './input';

const { campaigns, variants, links } = tables;

export type CampaignStatus =
  'draft' | 'testing' | 'decided' | 'rolling_out' | 'completed' | 'paused' | 'cancelled';

export type MessageStatus = 'queued' | 'sending' | 'sent' | 'failed' | 'cancelled' | 'unknown';

export interface VariantView {
  id: number;
  key: string;
  name: string;
  subject: string;
  preheader: string | null;
  senderName: string | null;
  template: string | null;
  html: string | null;
  weight: number;
  control: boolean;
  /** Test-phase prospects assigned to this variant. */
  enrolled: number;
}

export interface LinkView {
  key: string;
  url: string;
  label: string | null;
  /** The shape of this link in an email; {messageId} is filled in per message. */
  trackingUrl: string;
  appendToken: boolean;
}

export interface CampaignView {
  id: number;
  name: string;
  goal: string;
  status: CampaignStatus;
  testFraction: number;
  confidence: number;
  minimumDetectableEffect: number;
  fromEmail: string | null;
  replyTo: string | null;
  postalAddress: string | null;
  /** Values used for template fields a prospect lacks. */
  fieldDefaults: Record<string, string>;
  /** Days after sending within which a conversion counts for the campaign. */
  attributionWindowDays: number;
  testDurationHours: number;
  autoRollout: boolean;
  holdoutFraction: number;
  /** Prospects held out of every email of the campaign. */
  holdout: number;
  noWinnerRule: string;
  /** How the test was decided, once it is: the rule that chose, the variant, and why. */
  decision: CampaignDecision | null;
  createdAt: string;
  updatedAt: string;
  launchedAt: string | null;
  /** Prospects on the campaign's list (imported and not suppressed). */
  prospects: number;
  /** Enrolled prospects held back from the test for the rollout. */
  remainder: number;
  /** The campaign's emails by where they are: queued, sending, sent, failed, cancelled, unknown. */
  messages: Record<MessageStatus, number>;
  variants: VariantView[];
  links: LinkView[];
}

/** The control is the variant marked so, or the first when none is. */
function controlIndex(list: VariantInput[]): number {
  const marked = list.findIndex((v) => v.control);
  return marked === -1 ? 0 : marked;
}

function insertVariantsAndLinks(
  ctx: Context,
  campaignId: number,
  variantList: VariantInput[],
  linkList: LinkInput[],
): void {
  const control = controlIndex(variantList);
  if (variantList.length > 0) {
    ctx.db
      .insert(variants)
      .values(
        variantList.map((v, position) => ({
          campaignId,
          key: v.key,
          name: v.name,
          subject: v.subject,
          preheader: v.preheader ?? null,
          senderName: v.senderName ?? null,
          template: v.template ?? null,
          html: v.html ?? null,
          weight: v.weight,
          isControl: position === control,
          position,
        })),
      )
      .run();
  }
  if (linkList.length > 0) {
    ctx.db
      .insert(links)
      .values(
        linkList.map((l) => ({
          campaignId,
          key: l.key,
          url: l.url,
          label: l.label ?? null,
          appendToken: l.appendToken,
        })),
      )
      .run();
  }
}

export function createCampaign(ctx: Context, input: CreateCampaignInput): CampaignView {
  const now = ctx.clock().getTime();

  const id = ctx.sqlite
    .transaction(() => {
      const row = ctx.db
        .insert(campaigns)
        .values({
          name: input.name,
          goal: input.goal,
          status: 'draft',
          testFraction: input.testFraction,
          confidence: input.confidence,
          minimumDetectableEffect: input.minimumDetectableEffect,
          salt: randomBytes(16).toString('hex'),
          fromEmail: input.fromEmail ?? null,
          replyTo: input.replyTo ?? null,
          postalAddress: input.postalAddress ?? null,
          fieldDefaults: input.fieldDefaults ? JSON.stringify(input.fieldDefaults) : null,
          attributionWindowDays: input.attributionWindowDays,
          testDurationHours: input.testDurationHours,
          autoRollout: input.autoRollout,
          holdoutFraction: input.holdoutFraction,
          noWinnerRule: input.noWinnerRule,
          createdAt: now,
          updatedAt: now,
        })
        .returning({ id: campaigns.id })
        .get();
      insertVariantsAndLinks(ctx, row.id, input.variants, input.links);
      checkCampaignEmails(ctx, row.id);
      return row.id;
    })
    .immediate();

  ctx.logger.info({ campaignId: id }, 'campaign created');
  return getCampaign(ctx, id);
}

export function updateCampaign(ctx: Context, id: number, input: UpdateCampaignInput): CampaignView {
  ctx.sqlite
    .transaction(() => {
      const current = requireCampaign(ctx, id);
      if (current.status !== 'draft') {
        throw conflict(
          'campaign_not_draft',
          `Campaign ${id} is ${current.status}; only a draft campaign can be edited.`,
          { status: current.status },
        );
      }

      const { variants: variantList, links: linkList, fieldDefaults, ...fields } = input;
      ctx.db
        .update(campaigns)
        .set({
          ...fields,
          ...(fieldDefaults ? { fieldDefaults: JSON.stringify(fieldDefaults) } : {}),
          updatedAt: ctx.clock().getTime(),
        })
        .where(eq(campaigns.id, id))
        .run();
      if (variantList) {
        ctx.db.delete(variants).where(eq(variants.campaignId, id)).run();
      }
      if (linkList) {
        ctx.db.delete(links).where(eq(links.campaignId, id)).run();
      }
      insertVariantsAndLinks(ctx, id, variantList ?? [], linkList ?? []);
      checkCampaignEmails(ctx, id);
    })
    .immediate();

  ctx.logger.info({ campaignId: id }, 'campaign updated');
  return getCampaign(ctx, id);
}

export function requireCampaign(ctx: Context, id: number) {
  const row = ctx.db.select().from(campaigns).where(eq(campaigns.id, id)).get();
  if (!row) throw notFound(`Campaign ${id}`);
  return { ...row, status: row.status as CampaignStatus };
}

export function listVariants(ctx: Context, campaignId: number) {
  return ctx.db
    .select()
    .from(variants)
    .where(eq(variants.campaignId, campaignId))
    .orderBy(asc(variants.position))
    .all();
}

export function getCampaign(ctx: Context, id: number): CampaignView {
  const row = requireCampaign(ctx, id);

  // Kept by the database's triggers (funnel_counts): a campaign of millions reads a few rows.
  const counts = ctx.sqlite
    .prepare(
      `SELECT variant_id AS variantId, phase, metric, value FROM funnel_counts
        WHERE campaign_id = ? AND (metric IN ('enrolled', 'prospects') OR metric LIKE 'status:%')`,
    )
    .all(id) as { variantId: number; phase: string; metric: string; value: number }[];
  const enrolledByVariant = new Map<number, number>();
  const messages: Record<MessageStatus, number> = {
    queued: 0,
    sending: 0,
    sent: 0,
    failed: 0,
    cancelled: 0,
    unknown: 0,
  };
  let remainder = 0;
  let holdout = 0;
  let listSize = 0;
  for (const c of counts) {
    if (c.metric === 'prospects') listSize += c.value;
    else if (c.metric === 'enrolled' && c.phase === 'remainder') remainder += c.value;
    else if (c.metric === 'enrolled' && c.phase === 'holdout') holdout += c.value;
    else if (c.metric === 'enrolled' && c.phase === 'test') {
      enrolledByVariant.set(c.variantId, (enrolledByVariant.get(c.variantId) ?? 0) + c.value);
    } else if (c.metric.startsWith('status:')) {
      const status = c.metric.slice('status:'.length) as MessageStatus;
      messages[status] = (messages[status] ?? 0) + c.value;
    }
  }
  const linkRows = ctx.db
    .select()
    .from(links)
    .where(eq(links.campaignId, id))
    .orderBy(asc(links.id))
    .all();

  return {
    id: row.id,
    name: row.name,
    goal: row.goal,
    status: row.status,
    testFraction: row.testFraction,
    confidence: row.confidence,
    minimumDetectableEffect: row.minimumDetectableEffect,
    fromEmail: row.fromEmail,
    replyTo: row.replyTo,
    postalAddress: row.postalAddress,
    fieldDefaults: fieldDefaultsOf(row),
    attributionWindowDays: row.attributionWindowDays,
    testDurationHours: row.testDurationHours,
    autoRollout: row.autoRollout,
    holdoutFraction: row.holdoutFraction,
    holdout,
    noWinnerRule: row.noWinnerRule,
    decision: row.decision ? (JSON.parse(row.decision) as CampaignDecision) : null,
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
    launchedAt: row.launchedAt === null ? null : new Date(row.launchedAt).toISOString(),
    prospects: listSize,
    remainder,
    messages,
    variants: listVariants(ctx, id).map((v) => ({
      id: v.id,
      key: v.key,
      name: v.name,
      subject: v.subject,
      preheader: v.preheader,
      senderName: v.senderName,
      template: v.template,
      html: v.html,
      weight: v.weight,
      control: v.isControl,
      enrolled: enrolledByVariant.get(v.id) ?? 0,
    })),
    links: linkRows.map((l) => ({
      key: l.key,
      url: l.url,
      label: l.label,
      appendToken: l.appendToken,
      trackingUrl: `${ctx.publicUrl}/t/c/{messageId}/${encodeURIComponent(l.key)}`,
    })),
  };
}

export interface CampaignSummary {
  id: number;
  name: string;
  goal: string;
  status: CampaignStatus;
  createdAt: string;
  launchedAt: string | null;
}

export function listCampaigns(ctx: Context): CampaignSummary[] {
  return ctx.db
    .select()
    .from(campaigns)
    .orderBy(desc(campaigns.id))
    .all()
    .map((row) => ({
      id: row.id,
      name: row.name,
      goal: row.goal,
      status: row.status as CampaignStatus,
      createdAt: new Date(row.createdAt).toISOString(),
      launchedAt: row.launchedAt === null ? null : new Date(row.launchedAt).toISOString(),
    }));
}
