import { asc, eq } from 'drizzle-orm';
import type { Context } from '../context';
import { tables } from '../db';
import { AppError, notFound } from '../errors';
import {
  compileVariant,
  TemplateError,
  type CompiledEmail,
  type EmailSetting,
  type VariantContent,
} from './render';

export interface VariantEmail {
  compiled: CompiledEmail;
  from: { email: string; name: string };
  replyTo?: string;
  fieldDefaults: Record<string, string>;
}

/** Fallbacks for fields a prospect lacks, unless the campaign sets its own. */
export const DEFAULT_FIELD_VALUES: Record<string, string> = { first_name: 'there' };

interface CampaignSetting {
  fromEmail: string | null;
  replyTo: string | null;
  postalAddress: string | null;
  fieldDefaults: string | null;
}

/** What the campaign and the installation give every variant's email. */
export function emailSetting(
  ctx: Context,
  campaign: CampaignSetting,
  links: { key: string; url: string }[],
): EmailSetting {
  return {
    publicUrl: ctx.publicUrl,
    links,
    postalAddress: campaign.postalAddress ?? ctx.sender.postalAddress,
    senderName: ctx.sender.name,
  };
}

export function fieldDefaultsOf(campaign: CampaignSetting): Record<string, string> {
  return {
    ...DEFAULT_FIELD_VALUES,
    ...(campaign.fieldDefaults
      ? (JSON.parse(campaign.fieldDefaults) as Record<string, string>)
      : {}),
  };
}

/** Compiles a variant's email from the database as it is now. */
export function loadVariantEmail(
  ctx: Context,
  campaignId: number,
  variantId: number,
): VariantEmail {
  const campaign = ctx.db
    .select()
    .from(tables.campaigns)
    .where(eq(tables.campaigns.id, campaignId))
    .get();
  const variant = ctx.db
    .select()
    .from(tables.variants)
    .where(eq(tables.variants.id, variantId))
    .get();
  if (!campaign || !variant) throw notFound(`Variant ${variantId} of campaign ${campaignId}`);
  const links = ctx.db
    .select({ key: tables.links.key, url: tables.links.url })
    .from(tables.links)
    .where(eq(tables.links.campaignId, campaignId))
    .orderBy(asc(tables.links.id))
    .all();

  return {
    compiled: compileVariant(variant as VariantContent, emailSetting(ctx, campaign, links)),
    from: {
      email: campaign.fromEmail ?? ctx.sender.email,
      name: variant.senderName ?? ctx.sender.name,
    },
    replyTo: campaign.replyTo ?? undefined,
    fieldDefaults: fieldDefaultsOf(campaign),
  };
}

const caches = new WeakMap<Context, Map<string, VariantEmail>>();

/**
 * The compiled email of each variant, compiled once per process: a campaign's content can no
 * longer change once it sends, so the cache never goes stale.
 */
export function campaignEmails(ctx: Context) {
  let cache = caches.get(ctx);
  if (!cache) caches.set(ctx, (cache = new Map()));
  const known = cache;
  return {
    forVariant(campaignId: number, variantId: number): VariantEmail {
      const key = `${campaignId}:${variantId}`;
      let email = known.get(key);
      if (!email) known.set(key, (email = loadVariantEmail(ctx, campaignId, variantId)));
      return email;
    },
  };
}

/**
 * Compiles every variant of a campaign and refuses the campaign when one cannot become an
 * email: a template that does not compile, names no template, or links somewhere that is
 * not one of the campaign's links.
 */
export function checkCampaignEmails(ctx: Context, campaignId: number): void {
  const variantIds = ctx.db
    .select({ id: tables.variants.id, key: tables.variants.key })
    .from(tables.variants)
    .where(eq(tables.variants.campaignId, campaignId))
    .all();
  for (const variant of variantIds) {
    try {
      loadVariantEmail(ctx, campaignId, variant.id);
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
      throw new AppError(400, 'invalid_template', `Variant "${variant.key}": ${error.message}`, {
        variant: variant.key,
        line: error.line,
        column: error.column,
      });
    }
  }
}

/** The prospect columns an email can print, as stored. */
export interface ProspectFields {
  email: string;
  first_name: string | null;
  last_name: string | null;
  external_id: string | null;
  source: string | null;
  /** Extra columns as a JSON object, or null. */
  attributes: string | null;
}

const PROSPECT_COLUMNS = new Set(['email', 'first_name', 'last_name', 'external_id', 'source']);

/** One recipient's value for each field the email uses, with the campaign's fallbacks. */
export function recipientValues(
  prospect: ProspectFields,
  messageId: string,
  fields: string[],
  defaults: Record<string, string>,
): Record<string, string> {
  const attributes = prospect.attributes
    ? (JSON.parse(prospect.attributes) as Record<string, string>)
    : {};
  const values: Record<string, string> = { message_id: messageId };
  for (const field of fields) {
    const own = PROSPECT_COLUMNS.has(field)
      ? prospect[field as keyof ProspectFields]
      : attributes[field];
    values[field] = own ?? defaults[field] ?? '';
  }
  return values;
}
