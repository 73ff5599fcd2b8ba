import { campaignReport, type CampaignReport, type HoldoutEffect } from '../reports/report';
import { campaignIdArg, stringOption, UsageError, type Command } from './command';
import { count, percent, plural, points, pValue, table, wrap } from './format';
import { withLeadsplit } from './open';

// The verdict's headline word, as the report page says it (src/http/campaign-pages.ts; not
// imported from there, which would load the whole HTTP layer into the command line).
const VERDICT_WORDS: Record<string, string> = {
  winner: 'Winner',
  'no-difference': 'No difference',
  inconclusive: 'Inconclusive',
  collecting: 'Collecting',
  invalid: 'Invalid split',
};

/** The figures of the page's "Results by variant" table, one row per variant. */
function variantTable(report: CampaignReport): string {
  const rows = report.variants.map((v) => {
    const f = v.figures;
    const uplift = f.uplift;
    return [
      v.control ? `${v.name} (control)` : v.name,
      count(v.leads),
      count(v.customers),
      percent(f.rate),
      `${percent(f.rateInterval.lower)} – ${percent(f.rateInterval.upper)}`,
      uplift
        ? `${points(uplift.absolute)} (${points(uplift.alwaysValidInterval.lower)} to ` +
          `${points(uplift.alwaysValidInterval.upper)})`
        : '—',
      v.control ? '—' : pValue(f.adjustedPValue),
      percent(f.probabilityToBeBest),
    ];
  });
  return table(
    [
      'Variant',
      'Leads',
      'Customers',
      'Ratio',
      'Likely range',
      'Uplift vs control',
      'p-value',
      'Chance to be best',
    ],
    rows,
    [false, true, true, true, false, false, true, true],
  );
}

/** "What the campaign adds", as the page words it. */
function describeHoldout(h: HoldoutEffect): string {
  return (
    `What the campaign adds: emailed leads ${percent(h.emailed.rate)} became customers ` +
    `(${count(h.emailed.customers)} of ${count(h.emailed.leads)}); held out, never emailed, ` +
    `${percent(h.heldOut.rate)} (${count(h.heldOut.customers)} of ` +
    `${count(h.heldOut.prospects)}). The campaign's own effect: ${points(h.lift)} ` +
    `(${points(h.interval.lower)} to ${points(h.interval.upper)}).`
  );
}

/** The report for a terminal: heading, verdict, the variants' table and the page's warnings. */
export function describeReport(report: CampaignReport): string {
  const c = report.campaign;
  const lines = [
    `Campaign ${c.id} "${c.name}" (${c.status.replace('_', ' ')})`,
    `Goal ${c.goal}, ${Math.round(c.confidence * 100)} % confidence` +
      (c.status === 'draft'
        ? '.'
        : `, ${plural(c.remainder, 'prospect')} held back for the rollout.`),
    '',
  ];
  if (c.status === 'draft') {
    lines.push(`Not launched: import prospects, then \`leadsplit launch ${c.id}\`.`);
  } else {
    lines.push(`Verdict: ${VERDICT_WORDS[report.verdict.kind] ?? report.verdict.kind}`);
    lines.push(...wrap(report.verdict.sentence));
    const decision = report.campaign.decision;
    if (decision) lines.push(...wrap(`Decided ${decision.decidedAt}: ${decision.reason}`));
  }
  if (report.sampleRatio.mismatch) {
    lines.push(
      ...wrap(
        'Sample ratio mismatch: the variants did not receive the shares of leads their ' +
          `weights ask for (p = ${pValue(report.sampleRatio.pValue)}), so these results ` +
          'cannot be trusted.',
      ),
    );
  }
  if (c.messages.unknown > 0) {
    lines.push(
      ...wrap(
        `${count(c.messages.unknown)} emails may or may not have gone out (the sending ` +
          'process stopped mid-request); the dashboard and the API can settle them.',
      ),
    );
  }

  lines.push('', variantTable(report), '');
  lines.push(
    ...wrap(
      'Test phase only; leads are the emails sent. p-values are always valid and adjusted ' +
        'for comparing several variants with the control.',
    ),
  );
  if (report.holdout) lines.push('', ...wrap(describeHoldout(report.holdout)));
  return lines.join('\n') + '\n';
}

export const report: Command = {
  name: 'report',
  args: ['<campaign id>'],
  summary: "The campaign's results by variant and the verdict, as on its report page.",
  details: '--json prints the whole report, as GET /api/campaigns/<id>/report answers it.',
  options: {
    method: {
      type: 'string',
      value: 'sequential|bayesian',
      description: 'how the verdict is decided (default sequential)',
    },
  },
  async run(input) {
    const campaignId = campaignIdArg(input.args[0]);
    const method = stringOption(input, 'method');
    if (method !== undefined && method !== 'sequential' && method !== 'bayesian') {
      throw new UsageError(`--method takes sequential or bayesian, not "${method}"`);
    }

    const result = await withLeadsplit(input.config, input.io, (leadsplit) =>
      campaignReport(leadsplit.context, campaignId, { method }),
    );
    return { json: result, text: describeReport(result) };
  },
};
