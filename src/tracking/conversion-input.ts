import { createHash } from 'node:crypto';
import { z } from 'zod';
import { emailProblem, MAX_FIELD_LENGTH, normaliseEmail } from '../prospects/records';
import type { ConversionReport } from './conversions';

/** A reported time may run this far ahead of the server clock, for drift; no further. */
export const MAX_FUTURE_MS = 5 * 60_000;
const DAY_MS = 86_400_000;

/** The same rule as a campaign's goal, so that a goal can be matched as written. */
export const GOAL = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
const GOAL_MESSAGE =
  'use 1–64 letters, digits, ".", ":", "-" or "_", as the campaign’s goal is written';
const CURRENCY = /^[A-Z]{3}$/;
const CURRENCY_MESSAGE = 'must be a three-letter currency code in capitals, like EUR';
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

/** Reads a decimal amount written as text ("12.50"); undefined when it is not one. */
export function parseAmount(text: string): number | undefined {
  return AMOUNT.test(text) ? Number(text) : undefined;
}

const email = z
  .string()
  .max(254, 'must be an email address')
  .transform(normaliseEmail)
  .refine((value) => emailProblem(value) === null, 'must be an email address');

const postbackBody = z
  .object({
    token: z.string().min(1).max(200, 'is not a leadsplit token').nullish(),
    email: email.nullish(),
    externalId: z.string().trim().min(1).max(MAX_FIELD_LENGTH).nullish(),
    goal: z.string().regex(GOAL, GOAL_MESSAGE),
    value: z
      .number({ message: 'must be a number' })
      .nonnegative('must be 0 or more')
      .max(MAX_VALUE, 'is too large')
      .nullish(),
    currency: z.string().regex(CURRENCY, CURRENCY_MESSAGE).nullish(),
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

/** The pixel's query; extra parameters (cache busters) are ignored, not refused. */
export const pixelQuery = z.object({
  goal: z.string().regex(GOAL).optional(),
  value: z
    .string()
    .transform((text, c) => parseAmount(text) ?? (c.addIssue('not an amount'), z.NEVER))
    .optional(),
  currency: z.string().regex(CURRENCY).optional(),
});

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
 */
function readDate(text: string): { at: number; earliest: number } | string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    if (!z.iso.date().safeParse(text).success) return 'date is not a calendar date';
    const start = Date.parse(text);
    return { at: start + DAY_MS - 1, earliest: start };
  }
  if (!z.iso.datetime({ offset: true }).safeParse(text).success) {
    return (
      'date must be YYYY-MM-DD or an ISO 8601 date-time with a time zone, ' +
      'like 2026-03-02T14:30:00Z'
    );
  }
  const at = Date.parse(text);
  return { at, earliest: at };
}

function readValue(raw: string | number): number | undefined {
  const amount = typeof raw === 'number' ? raw : parseAmount(raw);
  return amount !== undefined && Number.isFinite(amount) && amount >= 0 && amount <= MAX_VALUE
    ? amount
    : undefined;
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
): Omit<ConversionReport, 'source'> | string {
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
    return `currency ${CURRENCY_MESSAGE}`;
  }

  if (!fields.date) return 'missing date';
  const date = readDate(fields.date);
  if (typeof date === 'string') return date;
  const future = futureProblem(date.earliest, now);
  if (future) return `date ${future}`;
  const occurredAt = date.at;

  const key = fields.idempotency_key;
  if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
    return `idempotency_key ${IDEMPOTENCY_KEY_MESSAGE}`;
  }

  return {
    idempotencyKey:
      key ?? derivedImportKey(emailText ?? null, externalId ?? null, goal, occurredAt, value),
    email: emailText,
    externalId,
    goal,
    value,
    currency,
    occurredAt,
  };
}

function derivedImportKey(
  email: string | null,
  externalId: string | null,
  goal: string,
  occurredAt: number,
  value: number | null,
): string {
  const what = JSON.stringify([email, externalId, goal, occurredAt, value]);
  return `import:${createHash('sha256').update(what).digest('hex')}`;
}
