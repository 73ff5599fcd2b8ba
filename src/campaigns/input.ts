import { z } from 'zod';

const key = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/, 'use 1–32 letters, digits, "-" or "_"');

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max);

/**
 * Spaces, line breaks and other control characters: `new URL` silently drops some of them (a
 * CR/LF pair vanishes), so the address a person typed is not the one that would be followed.
 */
const UNSAFE_IN_URL = /[\p{Cc}\p{Z}]/u;
const MAX_URL = 2048;

/**
 * The one spelling of a link's address that is stored and redirected to: what `new URL` makes
 * of it, with the host in punycode and the rest percent-encoded. It is plain ASCII, so it can
 * go into a Location header as it is. Undefined for anything but an absolute http(s) URL.
 */
export function canonicalLinkUrl(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    return undefined;
  }
  return url.href;
}

const httpUrl = z
  .string()
  .trim()
  .max(MAX_URL)
  .refine(
    (value) => !UNSAFE_IN_URL.test(value),
    'must not contain spaces, line breaks or other control characters; percent-encode them' +
      ' (a space is %20)',
  )
  .transform((value, ctx) => {
    const url = canonicalLinkUrl(value);
    if (url === undefined) {
      ctx.issues.push({ code: 'custom', message: 'must be an absolute http(s) URL', input: value });
      return z.NEVER;
    }
    if (url.length > MAX_URL) {
      ctx.issues.push({
        code: 'custom',
        message: `is longer than ${MAX_URL} characters once percent-encoded`,
        input: value,
      });
      return z.NEVER;
    }
    return url;
  });

export const variantInput = z
  .object({
    key,
    name: text(100),
    subject: text(200),
    preheader: z.string().trim().max(200).optional(),
    senderName: z.string().trim().max(100).optional(),
    template: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'must name a template in templates/emails')
      .optional(),
    html: z.string().min(1).max(500_000).optional(),
    weight: z.number().positive('must be greater than 0').max(1_000_000).default(1),
    control: z.boolean().optional(),
  })
  .strict()
  .refine((v) => !(v.template && v.html), {
    message: 'give either a template or html, not both',
    path: ['html'],
  });

export const linkInput = z
  .object({
    key,
    url: httpUrl,
    label: z.string().trim().max(200).optional(),
    /** false: clicks go to the address as it is, without the conversion token. */
    appendToken: z.boolean().default(true),
  })
  .strict();

const unique = (items: { key: string }[]) =>
  new Set(items.map((i) => i.key.toLowerCase())).size === items.length;

const variantList = z
  .array(variantInput)
  .min(2, 'a campaign needs at least 2 variants')
  .max(8, 'a campaign has at most 8 variants')
  .refine(unique, 'variant keys must be unique')
  .refine((vs) => vs.filter((v) => v.control).length <= 1, 'mark at most one variant as control');

const linkList = z.array(linkInput).max(50).refine(unique, 'link keys must be unique');

const email = z.email({ message: 'must be an email address' }).max(254);

const fieldDefaults = z
  .record(
    z.string().regex(/^[a-z0-9_]{1,64}$/, 'field names use a-z, 0-9 and _'),
    z.string().max(200),
  )
  .refine((value) => Object.keys(value).length <= 50, 'at most 50 fallbacks');

const settings = {
  fromEmail: email,
  replyTo: email,
  postalAddress: z.string().trim().min(1).max(300),
  fieldDefaults,
  testDurationHours: z
    .number()
    .int('must be a whole number of hours')
    .min(1, 'must be at least 1 hour')
    .max(2160, 'must be at most 2160 hours (90 days)'),
  autoRollout: z.boolean(),
  holdoutFraction: z
    .number()
    .min(0, 'must be 0 or more')
    .max(0.5, 'must be at most 0.5 (half the list)'),
  noWinnerRule: z.enum(['control', 'best', 'hold'], {
    message: 'must be "control", "best" or "hold"',
  }),
  attributionWindowDays: z
    .number()
    .int('must be a whole number of days')
    .min(1, 'must be at least 1 day')
    .max(365, 'must be at most 365 days'),
  name: text(200),
  goal: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/, 'use 1–64 letters, digits, ".", ":", "-" or "_"'),
  testFraction: z
    .number()
    .gt(0, 'must be greater than 0')
    .lte(1, 'must be at most 1 (the whole list)'),
  confidence: z.union([z.literal(0.9), z.literal(0.95), z.literal(0.99)], {
    message: 'must be 0.90, 0.95 or 0.99',
  }),
  minimumDetectableEffect: z
    .number()
    .gt(0, 'must be greater than 0')
    .lt(1, 'is an absolute lift in the ratio, below 1'),
};

export const createCampaignInput = z
  .object({
    ...settings,
    confidence: settings.confidence.default(0.95),
    minimumDetectableEffect: settings.minimumDetectableEffect.default(0.01),
    fromEmail: settings.fromEmail.optional(),
    replyTo: settings.replyTo.optional(),
    postalAddress: settings.postalAddress.optional(),
    fieldDefaults: settings.fieldDefaults.optional(),
    attributionWindowDays: settings.attributionWindowDays.default(30),
    testDurationHours: settings.testDurationHours.default(72),
    autoRollout: settings.autoRollout.default(false),
    holdoutFraction: settings.holdoutFraction.default(0),
    noWinnerRule: settings.noWinnerRule.default('control'),
    variants: variantList,
    links: linkList.default([]),
  })
  .strict();

export const updateCampaignInput = z
  .object({
    name: settings.name,
    goal: settings.goal,
    testFraction: settings.testFraction,
    confidence: settings.confidence,
    minimumDetectableEffect: settings.minimumDetectableEffect,
    fromEmail: settings.fromEmail,
    replyTo: settings.replyTo,
    postalAddress: settings.postalAddress,
    fieldDefaults: settings.fieldDefaults,
    attributionWindowDays: settings.attributionWindowDays,
    testDurationHours: settings.testDurationHours,
    autoRollout: settings.autoRollout,
    holdoutFraction: settings.holdoutFraction,
    noWinnerRule: settings.noWinnerRule,
    variants: variantList,
    links: linkList,
  })
  .partial()
  .strict()
  .refine((v) => Object.keys(v).length > 0, 'give at least one field to change');

export type CreateCampaignInput = z.infer<typeof createCampaignInput>;
export type UpdateCampaignInput = z.infer<typeof updateCampaignInput>;
export type VariantInput = z.infer<typeof variantInput>;
export type LinkInput = z.infer<typeof linkInput>;
