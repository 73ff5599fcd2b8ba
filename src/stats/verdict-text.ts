// The one sentence each verdict carries, in words a marketer uses: rates as percentages,
// effects in percentage points, no statistical jargon beyond "chance".

import type { DecisionMethod, VariantFigures, WinnerSummary } from './decide-types';

export function formatPercent(rate: number): string {
  const percent = rate * 100;
  const digits = percent !== 0 && Math.abs(percent) < 1 ? 2 : 1;
  return `${percent.toFixed(digits)} %`;
}

export function formatPoints(difference: number): string {
  const points = Number((Math.abs(difference) * 100).toPrecision(3));
  return `${points} percentage ${points === 1 ? 'point' : 'points'}`;
}

function formatCount(count: number): string {
  return count.toLocaleString('en-US');
}

function formatChance(probability: number): string {
  if (probability >= 0.995) return 'more than 99 %';
  return `${Math.floor(probability * 100)} %`;
}

function describeRange(variants: readonly VariantFigures[]): string {
  const rates = variants.filter((v) => !v.control).map((v) => v.rate);
  const low = Math.min(...rates);
  const high = Math.max(...rates);
  if (rates.length === 1 || low === high) return `the variant at ${formatPercent(low)}`;
  return `the variants between ${formatPercent(low)} and ${formatPercent(high)}`;
}

export function invalidSentence(
  variants: readonly VariantFigures[],
  enrolled: readonly number[],
  weights: readonly number[],
): string {
  const total = enrolled.reduce((sum, count) => sum + count, 0);
  const weightSum = weights.reduce((sum, weight) => sum + weight, 0);
  let worst = 0;
  let worstScore = -1;
  enrolled.forEach((count, index) => {
    const expected = (total * (weights[index] ?? 0)) / weightSum;
    const score = Math.abs(count - expected) / Math.sqrt(expected);
    if (score > worstScore) {
      worst = index;
      worstScore = score;
    }
  });
  const name = variants[worst]?.name ?? '';
  const share = total === 0 ? 0 : (enrolled[worst] ?? 0) / total;
  const planned = (weights[worst] ?? 0) / weightSum;
  return (
    `The split between variants is broken: ${name} received ${formatPercent(share)} of the ` +
    `test prospects where ${formatPercent(planned)} were planned, more than chance explains, ` +
    'so these results cannot be trusted; check how prospects are assigned and sent.'
  );
}

export function openWindowSentence(openShare: number): string {
  return (
    `Still collecting: ${formatPercent(openShare)} of leads were emailed too recently to have ` +
    'had their full time to become customers, so the verdict waits until most of them have.'
  );
}

export function tooFewLeadsSentence(
  variants: readonly VariantFigures[],
  minimumLeadsPerArm: number,
  mde: number,
): string {
  const fewest = Math.min(...variants.map((v) => v.leads));
  return (
    `Still collecting: each variant needs ${formatCount(minimumLeadsPerArm)} leads to reliably ` +
    `detect a change of ${formatPoints(mde)}, and the furthest behind has ` +
    `${formatCount(fewest)} so far.`
  );
}

export function winnerSentence(winner: WinnerSummary, method: DecisionMethod): string {
  const subject = winner.control ? 'The control' : winner.name;
  const rival = winner.control
    ? `${winner.comparedWith.name}, the strongest variant`
    : 'the control';
  const evidence =
    method === 'sequential'
      ? 'this lead is very unlikely to be chance.'
      : `there is a ${formatChance(winner.probabilityToBeBest)} chance it is the best version.`;
  return (
    `${subject} turns ${formatPercent(winner.rate)} of leads into customers against ` +
    `${formatPercent(winner.comparedWith.rate)} for ${rival}; ${evidence}`
  );
}

export function noDifferenceSentence(
  variants: readonly VariantFigures[],
  method: DecisionMethod,
  mde: number,
  lossThreshold: number,
): string {
  const control = variants.find((v) => v.control);
  const controlRate = formatPercent(control?.rate ?? 0);
  const rates = `the control is at ${controlRate} and ${describeRange(variants)}`;
  if (method === 'sequential') {
    return (
      `No variant's lead-to-customer ratio differs from the control's by more than ` +
      `${formatPoints(mde)}: ${rates}.`
    );
  }
  return (
    'The variants perform alike: picking any of them is expected to cost less than ' +
    `${formatPoints(lossThreshold)} of lead-to-customer ratio; ${rates}.`
  );
}

export function inconclusiveSentence(
  variants: readonly VariantFigures[],
  method: DecisionMethod,
): string {
  const control = variants.find((v) => v.control);
  const leader = variants
    .filter((v) => !v.control)
    .reduce<VariantFigures | undefined>(
      (best, v) => (!best || v.rate > best.rate ? v : best),
      undefined,
    );
  const fewest = Math.min(...variants.map((v) => v.leads));
  const advice =
    method === 'sequential'
      ? 'Keep the test running; looking again later is safe.'
      : 'Keep the test running to settle it.';
  return (
    `No clear result yet with ${formatCount(fewest)} or more leads per variant: ` +
    `${leader?.name ?? ''} is at ${formatPercent(leader?.rate ?? 0)} against ` +
    `${formatPercent(control?.rate ?? 0)} for the control, but the gap could still be chance. ` +
    advice
  );
}
