import type { CampaignReport } from './report';

const COLUMNS = [
  'variant',
  'name',
  'control',
  'enrolled',
  'leads',
  'delivered',
  'bounced',
  'opened_human',
  'opened_raw',
  'clicked_human',
  'clicked_raw',
  'customers',
  'lead_to_customer_ratio',
  'ratio_lower',
  'ratio_upper',
  'uplift',
  'uplift_lower',
  'uplift_upper',
  'p_value_sequential',
  'p_value_adjusted',
  'probability_to_be_best',
  'expected_loss',
  'conversion_value',
  'revenue_per_lead',
] as const;

/** A cell as a spreadsheet reads it; text that a spreadsheet would run as a formula is defused. */
function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The report's per-variant table as CSV: the same figures as the JSON report, unrounded. */
export function reportCsv(report: CampaignReport): string {
  const lines = [COLUMNS.join(',')];
  for (const v of report.variants) {
    const f = v.figures;
    lines.push(
      [
        v.key,
        v.name,
        v.control,
        v.enrolled,
        v.leads,
        v.delivered,
        v.bounced,
        v.opened.human,
        v.opened.raw,
        v.clicked.human,
        v.clicked.raw,
        v.customers,
        f.rate,
        f.rateInterval.lower,
        f.rateInterval.upper,
        f.uplift?.absolute,
        f.uplift?.interval.lower,
        f.uplift?.interval.upper,
        f.pValue,
        f.adjustedPValue,
        f.probabilityToBeBest,
        f.expectedLoss,
        v.conversionValue,
        v.revenuePerLead,
      ]
        .map(cell)
        .join(','),
    );
  }
  return lines.join('\r\n') + '\r\n';
}
