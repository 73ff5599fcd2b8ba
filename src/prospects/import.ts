import { enrollPending, type EnrollmentResult } from '../campaigns/launch';
import { requireCampaign } from '../campaigns/store';
import type { Context } from '../context';
import { conflict } from '../errors';
import type { ParsedUpload } from './csv';
import type { RejectedRow } from './records';
import { suppressionLeftFor } from './suppression';

/** The rejected rows listed in an answer; the count covers them all. */
const MAX_REJECTED_LISTED = 1000;

export interface ImportSummary {
  /** Prospects added to the campaign's list by this upload. */
  imported: number;
  /** Rows whose email came earlier in the upload or is already on the campaign's list. */
  duplicates: number;
  /**
   * Unsubscribed or bounced prospects, also those erased since: kept off the list, never
   * emailed.
   */
  suppressed: number;
  rejected: RejectedRow[];
  rejectedCount: number;
  /** For a campaign already running: how the new prospects were enrolled. */
  enrolled?: EnrollmentResult;
}

/**
 * Writes a parsed upload in one transaction. A prospect is one row per lowercased email:
 * a known email is merged (empty fields filled in, new attributes added), never doubled.
 */
export function importProspects(
  ctx: Context,
  campaignId: number,
  upload: ParsedUpload,
): ImportSummary {
  const now = ctx.clock().getTime();
  const insertProspect = ctx.sqlite.prepare(
    `INSERT INTO prospects
       (email, first_name, last_name, external_id, source, attributes, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (email) DO NOTHING`,
  );
  const findProspect = ctx.sqlite.prepare(`SELECT id, status FROM prospects WHERE email = ?`);
  // A known prospect's source stays the one first recorded: the reports count each lead in
  // the channel it had when emailed, and a channel that changed later would move them.
  const mergeProspect = ctx.sqlite.prepare(
    `UPDATE prospects SET
       first_name = coalesce(first_name, ?), last_name = coalesce(last_name, ?),
       external_id = coalesce(external_id, ?),
       attributes = CASE WHEN ? IS NULL THEN attributes
                         ELSE json_patch(?, coalesce(attributes, '{}')) END
     WHERE id = ?`,
  );
  const suppress = ctx.sqlite.prepare(`UPDATE prospects SET status = ? WHERE id = ?`);
  const addToList = ctx.sqlite.prepare(
    `INSERT INTO campaign_prospects (campaign_id, prospect_id, imported_at) VALUES (?, ?, ?)
     ON CONFLICT DO NOTHING`,
  );

  const summary = ctx.sqlite
    .transaction((): ImportSummary => {
      const campaign = requireCampaign(ctx, campaignId);
      if (campaign.status === 'cancelled' || campaign.status === 'completed') {
        throw conflict(
          'campaign_closed',
          `Campaign ${campaignId} is ${campaign.status}; it takes no more prospects.`,
        );
      }

      const result: ImportSummary = {
        imported: 0,
        duplicates: 0,
        suppressed: 0,
        rejected: upload.rejected.slice(0, MAX_REJECTED_LISTED),
        rejectedCount: upload.rejected.length,
      };
      const suppressionLeft = suppressionLeftFor(ctx);
      const seen = new Set<string>();
      for (const { record: r } of upload.records) {
        if (seen.has(r.email)) {
          result.duplicates++;
          continue;
        }
        seen.add(r.email);

        const inserted = insertProspect.run(
          r.email,
          r.firstName,
          r.lastName,
          r.externalId,
          r.source,
          r.attributes,
          now,
        );
        let prospectId: number;
        if (inserted.changes === 1) {
          prospectId = Number(inserted.lastInsertRowid);
          const status = suppressionLeft(r.email);
          if (status !== undefined) {
            suppress.run(status, prospectId);
            result.suppressed++;
            continue;
          }
        } else {
          const known = findProspect.get(r.email) as { id: number; status: string };
          if (known.status !== 'active') {
            result.suppressed++;
            continue;
          }
          prospectId = known.id;
          mergeProspect.run(
            r.firstName,
            r.lastName,
            r.externalId,
            r.attributes,
            r.attributes,
            prospectId,
          );
        }

        if (addToList.run(campaignId, prospectId, now).changes === 1) result.imported++;
        else result.duplicates++;
      }

      if (campaign.status !== 'draft' && result.imported > 0) {
        result.enrolled = enrollPending(ctx, campaignId);
      }
      return result;
    })
    .immediate();

  ctx.logger.info(
    {
      campaignId,
      imported: summary.imported,
      duplicates: summary.duplicates,
      suppressed: summary.suppressed,
      rejected: summary.rejectedCount,
    },
    'prospects imported',
  );
  return summary;
}
