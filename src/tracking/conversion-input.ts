import { createHash } from 'node:crypto';
import { z } from 'zod';
import { emailProblem, MAX_FIELD_LENGTH, normaliseEmail } from '../prospects/records';
import type { ConversionReport } from './conversions';

/** A reported time may run this far ahead of the server clock, for drift; no further. */
export const MAX_FUTURE_MS = 5 * 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/**
 * A date alone is a day somewhere: the day starts up to 14 hours before it does in UTC (the
 * Line Islands, UTC+14), so a CRM there may already write a date that is tomorrow in UTC.
 */
const MAX_ZONE_AHEAD_MS = 14 * HOUR_MS;

/** The same rule as a campaign's goal, so that a goal can be matched as written. */
export const GOAL = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
const GOAL_MESSAGE =
  'use 1–64 letters, digits, ".", ":", "-" or "_", as the campaign’s goal is written';
const CURRENCY = /^[A-Z]{3}$/;
const CURRENCY_MESSAGE = 'must be a three-letter currency code in capitals, like EUR';
const UNKNOWN_CURRENCY_MESSAGE = 'is not an ISO 4217 currency code; use one such as EUR or USD';
// Printable ASCII, not all blank: keys end up in logs and answers, and must compare exactly.
const IDEMPOTENCY_KEY = /^(?=.*[^ ])[\x20-\x7e]{1,200}$/;
const IDEMPOTENCY_KEY_MESSAGE = 'must be 1–200 printable ASCII characters, e.g. an order id';
/** Money as a plain decimal: no thousands separators, no currency signs, no exponent. */
const AMOUNT = /^\d{1,12}(?:\.\d{1,6})?$/;
const MAX_VALUE = 1e12;

/** Why a reported time cannot be used, or null when it can. */
export function futureProblem(occurredAt: number, now: number): string | null {
  return occurredAt > now + MAX_FUTURE_MS
    ? 'lies more than 5 minutes in the future; check the sending machine’s clock'
    : null;
}

let currencies: ReadonlySet<string> | undefined;

/**
 * Whether a code in capitals names a currency in use (or lately retired), as the ICU data
 * Node ships with lists them. Funds codes such as CHE are not on that list, and are refused.
 */
export function isCurrencyCode(code: string): boolean {
  currencies ??= new Set(Intl.supportedValuesOf('currency'));
  return CURRENCY.test(code) && currencies.has(code);
}

/** Reads a decimal amount written as text ("12.50"); undefined when it is not one. */
export function parseAmount(text: string): number | undefined {
  return AMOUNT.test(text) ? Number(text) : undefined;
}

const email = z
  .string()
  .max(254, 'must be an email address')
  .transform(normaliseEmail)
  .refine((value) => emailProblem(value) === null, 'must be an email address');

/**
 * A sender that has no value for a field may write "" instead of leaving it out: that is read
 * as absent, so that the other ways of naming the prospect are still tried.
 */
const blankAsAbsent = (value: unknown) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

const postbackBody = z
  .object({
    // Not checked here beyond being text: a token that is not one of ours (too long, altered)
    // is passed over for the email or external id, as the README promises.
    token: z.preprocess(blankAsAbsent, z.string({ message: 'must be text' }).trim().nullish()),
    email: z.preprocess(blankAsAbsent, email.nullish()),
    externalId: z.preprocess(
      blankAsAbsent,
      z.string({ message: 'must be text' }).trim().max(MAX_FIELD_LENGTH).nullish(),
    ),
    goal: z.string().regex(GOAL, GOAL_MESSAGE),
    value: z
      .number({ message: 'must be a number' })
      .nonnegative('must be 0 or more')
      .max(MAX_VALUE, 'is too large')
      .nullish(),
    currency: z
      .string()
      .regex(CURRENCY, CURRENCY_MESSAGE)
      .refine(isCurrencyCode, UNKNOWN_CURRENCY_MESSAGE)
      .nullish(),
    occurredAt: z.iso
      .datetime({ offset: true, message: 'must be an ISO 8601 date-time with a time zone' })
      .nullish(),
    idempotencyKey: z.string().regex(IDEMPOTENCY_KEY, IDEMPOTENCY_KEY_MESSAGE),
  })
  .strict()
  .refine((body) => body.token || body.email || body.externalId, {
    message: 'give the prospect as a token, an email or an externalId',
  });

export const postbackInput = postbackBody.transform((body) => ({
  idempotencyKey: body.idempotencyKey,
  token: body.token ?? undefined,
  email: body.email ?? undefined,
  externalId: body.externalId ?? undefined,
  goal: body.goal,
  value: body.value ?? null,
  currency: body.currency ?? null,
  occurredAt: body.occurredAt ? Date.parse(body.occurredAt) : null,
}));

/** What a thank-you page's pixel says, as far as it can be read. */
export interface PixelQuery {
  /** The campaign's goal when absent. */
  goal?: string;
  value: number | null;
  currency: string | null;
  /** Parameters given but left out because they could not be read, with what was given. */
  unreadable: { value?: string; currency?: string };
}

/** What was given, cut short for a log line. */
const given = (raw: unknown) => (typeof raw === 'string' ? raw.slice(0, 40) : typeof raw);

/**
 * Reads the pixel's query. Extra parameters (cache busters) are ignored. A goal that is not
 * a goal leaves nothing to record: undefined. An unreadable value (49,90) or currency is left
 * out rather than losing the sale, and so is the value when its currency is unreadable, since
 * it could not be added to the customer's other values. Currencies may be in any case.
 */
export function readPixelQuery(query: Record<string, unknown>): PixelQuery | undefined {
  const { goal, value: rawValue, currency: rawCurrency } = query;
  if (goal !== undefined && (typeof goal !== 'string' || !GOAL.test(goal))) return undefined;

  const read: PixelQuery = { goal, value: null, currency: null, unreadable: {} };
  if (rawValue !== undefined) {
    const amount = typeof rawValue === 'string' ? parseAmount(rawValue) : undefined;
    if (amount === undefined) read.unreadable.value = given(rawValue);
    else read.value = amount;
  }
  if (rawCurrency !== undefined) {
    const code = typeof rawCurrency === 'string' ? rawCurrency.toUpperCase() : '';
    if (isCurrencyCode(code)) {
      read.currency = code;
    } else {
      read.unreadable.currency = given(rawCurrency);
      if (read.value !== null) read.unreadable.value = String(read.value);
      read.value = null;
    }
  }
  return read;
}

/** Columns of a conversion import with a meaning; others are ignored. */
export const IMPORT_COLUMNS = [
  'email',
  'external_id',
  'goal',
  'value',
  'currency',
  'date',
  'idempotency_key',
] as const;
export type ImportColumn = (typeof IMPORT_COLUMNS)[number];

/** One row's fields as text, blanks left out; a JSON number stays a number. */
export type ImportFields = Partial<Record<Exclude<ImportColumn, 'value'>, string>> & {
  value?: string | number;
};

export interface ImportDefaults {
  /** The goal of rows that name none. */
  goal?: string;
}

/**
 * When a row's conversion happened, and the earliest it can have happened. A date alone means
 * "some time that day" (UTC): it is read as the end of the day, so that a purchase on the day
 * the email went out is not taken for one before it. Today's date is thus a moment still to
 * come; the conversion is stored at the time it is received instead (see recordConversion),
 * while the report keeps the end of day, so that the row reads the same on every upload.
 * The earliest moment of a date alone is where that day starts first, 14 hours before UTC.
 */
function readDate(text: string): { at: number; earliest: number; dayOnly: boolean } | string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    if (!z.iso.date().safeParse(text).success) return 'date is not a calendar date';
    const start = Date.parse(text);
    return { at: start + DAY_MS - 1, earliest: start - MAX_ZONE_AHEAD_MS, dayOnly: true };
  }
  if (!z.iso.datetime({ offset: true }).safeParse(text).success) {
    return (
      'date must be YYYY-MM-DD or an ISO 8601 date-time with a time zone, ' +
      'like 2026-03-02T14:30:00Z'
    );
  }
  const at = Date.parse(text);
  return { at, earliest: at, dayOnly: false };
}

function readValue(raw: string | number): number | undefined {
  const amount = typeof raw === 'number' ? raw : parseAmount(raw);
  return amount !== undefined && Number.isFinite(amount) && amount >= 0 && amount <= MAX_VALUE
    ? amount
    : undefined;
}

/** A usable import row; `derivedKey` when the row gave no idempotency key of its own. */
export interface ImportRow {
  report: Omit<ConversionReport, 'source'>;
  derivedKey: boolean;
}

/**
 * Turns one import row (CSV fields or a JSON object's, already as text) into a report, or
 * says why it cannot be used. Without an idempotency key, one is derived from what the row
 * says, so that uploading the same file twice counts each row once.
 */
export function importRowReport(
  fields: ImportFields,
  defaults: ImportDefaults,
  now: number,
): ImportRow | string {
  const emailText = fields.email ? normaliseEmail(fields.email) : undefined;
  const externalId = fields.external_id || undefined;
  if (!emailText && !externalId) return 'missing email and external_id';
  // The address itself is not echoed: the row number is enough to find it.
  if (emailText && emailProblem(emailText)) return 'invalid email';

  const goal = fields.goal || defaults.goal;
  if (!goal) return 'missing goal';
  if (!GOAL.test(goal)) return `goal: ${GOAL_MESSAGE}`;

  let value: number | null = null;
  if (fields.value !== undefined) {
    const amount = readValue(fields.value);
    if (amount === undefined) {
      return 'value must be a plain amount like 12.50 (no currency sign, no thousands separator)';
    }
    value = amount;
  }
  const currency = fields.currency ? fields.currency.toUpperCase() : null;
  if (currency !== null && !CURRENCY.test(currency)) {
    return 'currency must be a three-letter currency code, like EUR';
  }
  if (currency !== null && !isCurrencyCode(currency)) {
    return `currency ${currency} ${UNKNOWN_CURRENCY_MESSAGE}`;
  }

  if (!fields.date) return 'missing date';
  const date = readDate(fields.date);
  if (typeof date === 'string') return date;
  const future = futureProblem(date.earliest, now);
  if (future && date.dayOnly) return 'date lies in the future: that day has begun nowhere yet';
  if (future) return `date ${future}`;
  const occurredAt = date.at;

  const key = fields.idempotency_key;
  if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
    return `idempotency_key ${IDEMPOTENCY_KEY_MESSAGE}`;
  }

  const report = { email: emailText, externalId, goal, value, currency, occurredAt };
  return key === undefined
    ? { report: { ...report, idempotencyKey: derivedImportKey(report) }, derivedKey: true }
    : { report: { ...report, idempotencyKey: key }, derivedKey: false };
}

function derivedImportKey(row: Omit<ConversionReport, 'source' | 'idempotencyKey'>): string {
  const what = [row.email ?? null, row.externalId ?? null, row.goal, row.occurredAt, row.value];
  // Rows without a currency keep the key they were first imported under, so that a file sent
  // before the currency was part of the key still counts once when it is sent again.
  if (row.currency !== null) what.push(row.currency);
  return `import:${createHash('sha256').update(JSON.stringify(what)).digest('hex')}`;
}
