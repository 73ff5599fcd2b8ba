import { createReadStream } from 'node:fs';
import { requireCampaign } from '../campaigns/store';
import { parseProspectCsv } from '../prospects/csv';
import { importProspects, type ImportSummary } from '../prospects/import';
import { campaignIdArg, type Command } from './command';
import { inputFileSize } from './files';
import { count, plural } from './format';
import { withLeadsplit } from './open';
import { progressBar } from './progress';

/** The largest file taken. The whole list is held in memory and written in one transaction. */
const MAX_FILE_BYTES = 1024 * 1024 * 1024;

/** Below this a file reads in a blink: no bar. */
const BAR_FROM_BYTES = 1024 * 1024;

/** Rejected rows listed in the terminal; --json lists what the import kept (up to 1,000). */
const REJECTED_SHOWN = 10;

function describeImport(campaignId: number, summary: ImportSummary): string {
  const lines = [
    `Imported ${plural(summary.imported, 'prospect')} into campaign ${campaignId}.`,
    `  duplicates  ${count(summary.duplicates)}  (already on the list, or twice in the file)`,
    `  suppressed  ${count(summary.suppressed)}  (unsubscribed or bounced: never emailed)`,
    `  rejected    ${count(summary.rejectedCount)}`,
  ];
  for (const row of summary.rejected.slice(0, REJECTED_SHOWN)) {
    lines.push(`    row ${row.row}: ${row.reason}`);
  }
  if (summary.rejectedCount > REJECTED_SHOWN) {
    lines.push(
      `    … and ${count(summary.rejectedCount - REJECTED_SHOWN)} more (--json lists them)`,
    );
  }
  if (summary.enrolled) {
    lines.push(
      `The campaign is running: ${count(summary.enrolled.test)} joined the test (emails ` +
        `queued; \`leadsplit send\` sends them), ${count(summary.enrolled.remainder)} wait ` +
        'for the rollout.',
    );
  }
  return lines.join('\n') + '\n';
}

export const importCommand: Command = {
  name: 'import',
  args: ['<campaign id>', '<prospects.csv>'],
  summary: "Add the prospects of a CSV file to a campaign's list.",
  details:
    'The first row names the columns, one of them "email"; first_name, last_name, ' +
    'external_id and source have a meaning, other columns are kept for the email templates. ' +
    'A known email is merged, never doubled. Files up to 1 GiB.',
  async run({ args, config, io }) {
    const campaignId = campaignIdArg(args[0]);
    const file = args[1]!;
    const size = inputFileSize(file);

    const summary = await withLeadsplit(config, io, async (leadsplit) => {
      // Before reading what may be a long file.
      requireCampaign(leadsplit.context, campaignId);

      const input = createReadStream(file);
      const bar = progressBar(io, 'Reading', size >= BAR_FROM_BYTES ? size : 0, 'bytes');
      let read = 0;
      input.on('data', (chunk) => bar.update((read += chunk.length)));
      const upload = await parseProspectCsv(input, MAX_FILE_BYTES).finally(() => bar.stop());
      return importProspects(leadsplit.context, campaignId, upload);
    });

    return { json: summary, text: describeImport(campaignId, summary) };
  },
};
