import type { Context } from '../context';
import { notFound } from '../errors';
import { normaliseEmail } from '../prospects/records';
import { loadVariantEmail, recipientValues, type ProspectFields } from './campaign-email';
import { fillPlaceholders, substitutionsFor } from './placeholders';

/** The prospect a preview shows when the marketer names none. */
const SAMPLE: ProspectFields = {
  email: 'alex.sample@example.com',
  first_name: 'Alex',
  last_name: 'Sample',
  external_id: 'sample-1',
  source: 'newsletter',
  attributes: null,
};

export interface Preview {
  variant: string;
  to: string;
  subject: string;
  html: string;
  text: string;
}

/**
 * A variant's email as one prospect would receive it: the named prospect when it is on the
 * campaign's list, a sample prospect otherwise. Links point at a preview message id, which
 * no tracking route knows, so clicking them in a preview counts nothing.
 */
export function previewVariant(
  ctx: Context,
  campaignId: number,
  variantKey: string,
  email?: string,
): Preview {
  const variant = ctx.sqlite
    .prepare('SELECT id FROM variants WHERE campaign_id = ? AND key = ?')
    .get(campaignId, variantKey) as { id: number } | undefined;
  if (!variant) throw notFound(`Variant "${variantKey}" of campaign ${campaignId}`);

  const prospect =
    (email &&
      (ctx.sqlite
        .prepare(
          `SELECT p.email, p.first_name, p.last_name, p.external_id, p.source, p.attributes
             FROM prospects p JOIN campaign_prospects cp ON cp.prospect_id = p.id
            WHERE cp.campaign_id = ? AND p.email = ?`,
        )
        .get(campaignId, normaliseEmail(email)) as ProspectFields | undefined)) ||
    SAMPLE;

  // Compiled afresh: a draft's content may have changed since the last preview.
  const { compiled, fieldDefaults } = loadVariantEmail(ctx, campaignId, variant.id);
  const substitutions = substitutionsFor(
    recipientValues(prospect, 'preview-message-id-000', compiled.fields, fieldDefaults),
  );

  return {
    variant: variantKey,
    to: prospect.email,
    subject: fillPlaceholders(compiled.subject, substitutions),
    html: fillPlaceholders(compiled.html, substitutions),
    text: fillPlaceholders(compiled.text, substitutions),
  };
}
