import { createHash } from 'node:crypto';
import type { Context } from '../context';
import {
  statementsFor,
  type Receipt,
  type SentMessage,
  type Statements,
  type StoredConversion,
} from './conversion-statements';
import { messageIdFromToken } from './token';

const DAY_MS = 86_400_000;

export type ConversionSource = 'postback' | 'pixel' | 'import';

/** One report of a conversion, already validated, from any of the three ways in. */
export interface ConversionReport {
  source: ConversionSource;
  idempotencyKey: string;
  /** The lsid a click carried to the marketer's site. */
  token?: string;
  /** Lowercased and trimmed. */
  email?: string;
  externalId?: string;
  goal: string;
  value: number | null;
  currency: string | null;
  /** Milliseconds since the epoch; null means "when it was received". */
  occurredAt: number | null;
}

/** Why a report counted for no campaign. */
export type NotAttributedReason =
  | 'invalid_token'
  | 'unknown_prospect'
  | 'ambiguous_external_id'
  | 'not_emailed'
  | 'other_goal'
  | 'before_email'
  | 'outside_window';

export const notAttributedMessages: Record<NotAttributedReason, string> = {
  invalid_token: 'The token is not one this installation made, or its email no longer exists.',
  unknown_prospect: 'No prospect has this email or external id.',
  ambiguous_external_id: 'Several prospects share this external id; report the email instead.',
  not_emailed: 'The prospect was not sent a campaign email (by the token’s campaign).',
  other_goal: 'No campaign that emailed the prospect has this goal.',
  before_email: 'The conversion happened before the campaign email was sent.',
  outside_window: 'The conversion came after the campaign’s attribution window closed.',
};

/** What a report did for one campaign it counted for. */
export interface CampaignCredit {
  campaignId: number;
  variantId: number | null;
  /** True when this report made the prospect a customer; false when it already was one. */
  newCustomer: boolean;
  /** Whether the report's value was added to the conversion's. */
  valueAdded: boolean;
  /** Set when the value was left out because the conversion is kept in another currency. */
  currencyMismatch?: { kept: string; reported: string };
}

export type ConversionOutcome =
  /** Counted for at least one campaign, now. */
  | { kind: 'recorded'; attributed: number; credits: CampaignCredit[] }
  /** Counted for no campaign; `duplicate` when the same report came before. */
  | { kind: 'not_attributed'; duplicate: boolean; reason: NotAttributedReason }
  /** The same report already counted: nothing changed. */
  | { kind: 'duplicate'; attributed: number }
  /** The idempotency key came before with a different report: nothing changed. */
  | { kind: 'key_reused' };

/**
 * What a report says, hashed, to tell a retry from a different report under the same key.
 * The source is left out (one key may arrive by postback and again in a CRM file), and so is
 * the time it was received: a retry of a report without occurredAt is still the same report.
 * A report of the same conversion in other words hashes differently; see sameConversion.
 */
function reportHash(report: ConversionReport): string {
  const canonical = JSON.stringify([
    1,
    report.token ?? null,
    report.email ?? null,
    report.externalId ?? null,
    report.goal,
    report.value,
    report.currency,
    report.occurredAt,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

// Adding decimal amounts in binary floating point leaves dust (0.1 + 0.2); money needs no
// more than six places.
const addAmounts = (a: number, b: number) => Math.round((a + b) * 1e6) / 1e6;

type Who =
  | { prospectId: number; campaignId?: number; reason?: undefined }
  | { prospectId?: undefined; reason: NotAttributedReason };

/**
 * The prospect a report is about. A token that verifies decides alone and limits the report to
 * its campaign; one that does not is passed over for the email or external id, so that a
 * mangled lsid does not lose a sale the server knows the customer of.
 */
function findProspect(ctx: Context, s: Statements, report: ConversionReport): Who {
  if (report.token) {
    const messageId = messageIdFromToken(ctx.secret, report.token);
    const message = messageId
      ? (s.findMessage.get(messageId) as { prospectId: number; campaignId: number } | undefined)
      : undefined;
    if (message) return { prospectId: message.prospectId, campaignId: message.campaignId };
    if (!report.email && !report.externalId) return { reason: 'invalid_token' };
  }
  if (report.email) {
    const id = s.prospectByEmail.get(report.email) as number | undefined;
    if (id !== undefined) return { prospectId: id };
  }
  if (report.externalId) {
    const ids = s.prospectsByExternalId.all(report.externalId) as number[];
    if (ids.length === 1) return { prospectId: ids[0]! };
    if (ids.length > 1) return { reason: 'ambiguous_external_id' };
  }
  return { reason: 'unknown_prospect' };
}

/**
 * The emails that explain a conversion: per campaign with the report's goal, the latest email
 * sent to the prospect at or before the conversion and no longer ago than the campaign's
 * attribution window. The reason names the first rule that left nothing over.
 */
function explainingEmails(
  s: Statements,
  who: { prospectId: number; campaignId?: number },
  goal: string,
  occurredAt: number,
): SentMessage[] | NotAttributedReason {
  let sent = s.sentMessages.all({ prospectId: who.prospectId }) as SentMessage[];
  if (who.campaignId !== undefined) sent = sent.filter((m) => m.campaignId === who.campaignId);
  if (sent.length === 0) return 'not_emailed';

  const sameGoal = sent.filter((m) => m.goal === goal);
  if (sameGoal.length === 0) return 'other_goal';
  const before = sameGoal.filter((m) => m.sentAt <= occurredAt);
  if (before.length === 0) return 'before_email';
  const inWindow = before.filter((m) => occurredAt - m.sentAt <= m.windowDays * DAY_MS);
  if (inWindow.length === 0) return 'outside_window';

  const latest = new Map<number, SentMessage>();
  for (const m of inWindow) {
    const kept = latest.get(m.campaignId);
    if (!kept || m.sentAt > kept.sentAt) latest.set(m.campaignId, m);
  }
  return [...latest.values()];
}

/**
 * Counts a report for one campaign. The first report makes the prospect a customer; a later
 * one (under another key) adds its value and keeps the earlier time. A value is added only in
 * the conversion's currency: the first currency named sticks, a value without a currency is
 * taken to be in it, and a value in another currency is left out (and said so).
 */
function credit(
  s: Statements,
  email: SentMessage,
  prospectId: number,
  report: ConversionReport,
  occurredAt: number,
): CampaignCredit {
  const stored = s.findConversion.get(email.campaignId, prospectId, report.goal) as
    StoredConversion | undefined;
  if (!stored) {
    s.insertConversion.run(
      email.campaignId,
      email.variantId,
      prospectId,
      report.goal,
      report.value,
      report.value === null ? null : report.currency,
      occurredAt,
      report.source,
    );
    return {
      campaignId: email.campaignId,
      variantId: email.variantId,
      newCustomer: true,
      valueAdded: report.value !== null,
    };
  }

  const mismatch =
    report.value !== null &&
    report.currency !== null &&
    stored.currency !== null &&
    report.currency !== stored.currency;
  const add = report.value !== null && !mismatch;
  s.updateConversion.run(
    add ? addAmounts(stored.value ?? 0, report.value!) : stored.value,
    stored.currency ?? (add ? report.currency : null),
    Math.min(stored.occurredAt, occurredAt),
    stored.id,
  );
  return {
    campaignId: email.campaignId,
    variantId: stored.variantId,
    newCustomer: false,
    valueAdded: add,
    ...(mismatch
      ? { currencyMismatch: { kept: stored.currency!, reported: report.currency! } }
      : {}),
  };
}

export interface RecordOptions {
  /**
   * Keep the receipt of a report that counts for no campaign, so that its retry is recognised
   * (default true). A pixel's is not kept: see recordPixelConversion.
   */
  keepUnattributed?: boolean;
}

/**
 * Whether a report under a key seen before tells of the receipt's conversion in other words:
 * an order reported by postback (with a token and the exact time) and again in a CRM file
 * (by email, with only the date) under the order number. The same prospect, goal, value and
 * currency make it the same conversion; a report whose prospect is unknown cannot be matched.
 */
function sameConversion(receipt: Receipt, report: ConversionReport, who: Who): boolean {
  return (
    receipt.prospectId !== null &&
    who.prospectId === receipt.prospectId &&
    receipt.goal === report.goal &&
    receipt.value === report.value &&
    receipt.currency === report.currency
  );
}

/**
 * Records one report; the caller holds the transaction. A key seen before with the same
 * conversion changes nothing, except that a report which counted for nothing is looked at
 * again: the prospect may have been imported, or the email confirmed sent, since.
 */
function recordOne(
  ctx: Context,
  s: Statements,
  report: ConversionReport,
  receivedAt: number,
  { keepUnattributed = true }: RecordOptions = {},
): ConversionOutcome {
  const bodyHash = reportHash(report);
  const receipt = s.findReceipt.get(report.idempotencyKey) as Receipt | undefined;
  let reworded: Who | undefined;
  if (receipt && receipt.bodyHash !== bodyHash) {
    reworded = findProspect(ctx, s, report);
    if (!sameConversion(receipt, report, reworded)) return { kind: 'key_reused' };
  }
  if (receipt && receipt.attributed > 0) {
    return { kind: 'duplicate', attributed: receipt.attributed };
  }

  // A time a little ahead (clock drift, today's date in a CRM file) is taken as now.
  const occurredAt = receipt?.occurredAt ?? Math.min(report.occurredAt ?? receivedAt, receivedAt);
  const who = reworded ?? findProspect(ctx, s, report);
  const emails =
    who.prospectId === undefined ? who.reason : explainingEmails(s, who, report.goal, occurredAt);
  const credits =
    typeof emails === 'string'
      ? []
      : emails.map((email) => credit(s, email, who.prospectId!, report, occurredAt));

  if (receipt) {
    s.updateReceipt.run(who.prospectId ?? null, credits.length, receipt.id);
  } else if (credits.length > 0 || keepUnattributed) {
    s.insertReceipt.run(
      report.idempotencyKey,
      bodyHash,
      report.source,
      report.goal,
      who.prospectId ?? null,
      report.value,
      report.currency,
      occurredAt,
      receivedAt,
      credits.length,
    );
  }

  if (typeof emails === 'string') {
    return { kind: 'not_attributed', duplicate: receipt !== undefined, reason: emails };
  }
  return { kind: 'recorded', attributed: credits.length, credits };
}

/** Records one report in its own transaction. */
export function recordConversion(
  ctx: Context,
  report: ConversionReport,
  options: RecordOptions = {},
): ConversionOutcome {
  const s = statementsFor(ctx.sqlite);
  const receivedAt = ctx.clock().getTime();
  const outcome = ctx.sqlite
    .transaction(() => recordOne(ctx, s, report, receivedAt, options))
    .immediate();
  ctx.logger.info(
    {
      source: report.source,
      outcome: outcome.kind,
      ...(outcome.kind === 'recorded'
        ? { campaignIds: outcome.credits.map((c) => c.campaignId) }
        : {}),
      ...(outcome.kind === 'not_attributed' ? { reason: outcome.reason } : {}),
    },
    'conversion report',
  );
  return outcome;
}

/** Records many reports in one transaction, in order: a later row sees what an earlier wrote. */
export function recordConversionBatch(
  ctx: Context,
  reports: ConversionReport[],
): ConversionOutcome[] {
  const s = statementsFor(ctx.sqlite);
  const receivedAt = ctx.clock().getTime();
  return ctx.sqlite
    .transaction(() => reports.map((report) => recordOne(ctx, s, report, receivedAt)))
    .immediate();
}

export interface PixelHit {
  token: string;
  goal?: string;
  value: number | null;
  currency: string | null;
}

/**
 * Records a thank-you page's pixel. Its key is the message and the goal, so reloading the page
 * counts once; the goal is the campaign's unless the page names one. Undefined when the token
 * names no message. A hit that counts for no campaign is not kept: anyone holding a token
 * could otherwise fill the receipts with made-up goals.
 */
export function recordPixelConversion(ctx: Context, hit: PixelHit): ConversionOutcome | undefined {
  const messageId = messageIdFromToken(ctx.secret, hit.token);
  if (!messageId) return undefined;
  const message = statementsFor(ctx.sqlite).findMessage.get(messageId) as
    { goal: string } | undefined;
  if (!message) return undefined;

  const goal = hit.goal ?? message.goal;
  return recordConversion(
    ctx,
    {
      source: 'pixel',
      idempotencyKey: `pixel:${messageId}:${goal}`,
      token: hit.token,
      goal,
      value: hit.value,
      currency: hit.currency,
      occurredAt: null,
    },
    { keepUnattributed: false },
  );
}
