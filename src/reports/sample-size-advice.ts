import { sampleSizePerArm } from '../stats';

export interface SampleSizeAdvice {
  leadsPerVariant: number | null;
  /** Prospects the list needs so that the test fraction holds that many leads per variant. */
  listNeeded: number | null;
  tooSmall: boolean;
  sentence: string;
}

const number = new Intl.NumberFormat('en');

/**
 * What a planned test needs: leads per variant to detect the lift (power.prop.test's figure
 * at 80 % power), and the list that takes at the test fraction.
 */
export function adviseSampleSize(input: {
  baseline: number;
  mde: number;
  confidence: number;
  variants: number;
  testFraction: number;
  listSize?: number;
}): SampleSizeAdvice {
  const { baseline, mde, confidence, variants, testFraction, listSize } = input;
  if (!(baseline > 0 && baseline < 1 && mde > 0 && baseline + mde < 1)) {
    return {
      leadsPerVariant: null,
      listNeeded: null,
      tooSmall: false,
      sentence: 'Enter the ratio you expect (say 5 %) and the smallest lift worth detecting.',
    };
  }
  const leadsPerVariant = sampleSizePerArm({ baseline, mde, alpha: 1 - confidence, power: 0.8 });
  const listNeeded = Math.ceil((leadsPerVariant * variants) / testFraction);
  const tooSmall = listSize !== undefined && listSize > 0 && listSize < listNeeded;
  const base =
    `To detect a lift of ${(mde * 100).toFixed(1)} points from ${(baseline * 100).toFixed(1)} %, ` +
    `each variant needs ${number.format(leadsPerVariant)} leads: with ${variants} variants and ` +
    `${Math.round(testFraction * 100)} % of the list in the test, ` +
    `a list of ${number.format(listNeeded)}.`;
  return {
    leadsPerVariant,
    listNeeded,
    tooSmall,
    sentence: tooSmall
      ? `${base} Your list of ${number.format(listSize!)} is too small to detect that lift: ` +
        'raise the test fraction, use fewer variants, or look for a larger lift.'
      : base,
  };
}
