import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { campaignReport } from '../reports/report';
import { reportCsv } from '../reports/report-csv';
import { campaignIdArg, stringOption, type Command } from './command';
import { withLeadsplit } from './open';

export const exportCommand: Command = {
  name: 'export',
  args: ['<campaign id>'],
  summary: "The report's table by variant as CSV, to stdout or a file.",
  details:
    'The same columns as the dashboard\'s "Download CSV", figures unrounded. With --json: ' +
    '{"csv": "…"}, or {"file", "variants"} with --out.',
  options: { out: { type: 'string', value: 'file', description: 'write the CSV to this file' } },
  async run(input) {
    const campaignId = campaignIdArg(input.args[0]);
    const out = stringOption(input, 'out');

    const report = await withLeadsplit(input.config, input.io, (leadsplit) =>
      campaignReport(leadsplit.context, campaignId),
    );
    const csv = reportCsv(report);

    if (out === undefined) return { json: { csv }, text: csv };
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, csv);
    const variants = report.variants.length;
    return {
      json: { file: out, variants },
      text: `Wrote the report of campaign ${campaignId} (${variants} variants) to ${out}.\n`,
    };
  },
};
