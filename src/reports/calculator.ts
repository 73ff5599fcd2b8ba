import {
  chiSquareTest,
  holmAdjust,
  sampleSizePerArm,
  twoProportionZTest,
  wilsonInterval,
  type Interval,
} from '../stats';

export interface CalculatorGroup {
  name: string;
  leads: number;
  customers: number;
}

export interface CalculatorResult {
  groups: (CalculatorGroup & {
    ratio: number | null;
    interval: Interval;
    /** Against the first group: difference in points and its p-value, Holm-adjusted. */
    difference: number | null;
    pValue: number | null;
    significant: boolean;
  })[];
  confidence: number;
  /** Across all groups: Pearson's chi-square on the groups × (customer, not) table. */
  overall: { pValue: number; significant: boolean } | null;
  sentence: string;
  sampleSize: { baseline: number; mde: number; leadsPerGroup: number } | null;
}

/**
 * The quick lead-to-customer calculator: ratios with Wilson intervals, and whether the groups
 * differ, by a one-off (fixed-horizon) test. Fine for numbers looked at once; running
 * campaigns use the sequential test instead.
 */
export function calculate(
  groups: CalculatorGroup[],
  confidence: number,
  mde?: number,
): CalculatorResult {
  const alpha = 1 - confidence;
  const first = groups[0]!;
  const pairs = groups
    .slice(1)
    .map((g) =>
      twoProportionZTest(
        { trials: first.leads, successes: first.customers },
        { trials: g.leads, successes: g.customers },
      ),
    );
  const adjusted = holmAdjust(pairs.map((p) => p.pValue));
  const rate = (g: CalculatorGroup) => (g.leads > 0 ? g.customers / g.leads : null);

  const rows = groups.map((g, i) => {
    const ratio = rate(g);
    const base = rate(first);
    const pValue = i === 0 ? null : adjusted[i - 1]!;
    return {
      ...g,
      ratio,
      interval: wilsonInterval(g.customers, g.leads, confidence),
      difference: i === 0 || ratio === null || base === null ? null : ratio - base,
      pValue,
      significant: pValue !== null && pValue < alpha,
    };
  });

  const overall =
    groups.length > 2
      ? (() => {
          const test = chiSquareTest(
            groups.map((g) => ({ trials: g.leads, successes: g.customers })),
          );
          return { pValue: test.pValue, significant: test.pValue < alpha };
        })()
      : null;

  const winners = rows.filter((r) => r.significant);
  const sentence =
    winners.length === 0
      ? `No group's ratio differs from ${first.name}'s by more than chance would explain ` +
        `at ${Math.round(confidence * 100)} % confidence.`
      : winners
          .map(
            (w) =>
              `${w.name} turns ${((w.ratio ?? 0) * 100).toFixed(1)} % of leads into customers ` +
              `against ${((rate(first) ?? 0) * 100).toFixed(1)} % for ${first.name}; ` +
              'a difference this large is unlikely to be chance.',
          )
          .join(' ');

  const baseline = rate(first);
  const sampleSize =
    mde !== undefined && baseline !== null && baseline + mde < 1 && baseline + mde > 0
      ? { baseline, mde, leadsPerGroup: sampleSizePerArm({ baseline, mde, alpha, power: 0.8 }) }
      : null;

  return { groups: rows, confidence, overall, sentence, sampleSize };
}
