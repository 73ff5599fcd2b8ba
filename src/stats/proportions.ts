import { normalQuantile, normalSurvival } from './numerics/normal';
import type { Arm, Interval, ZTestResult } from './types';
import { assertArm, assertOpenUnit } from './validate';

/** Wilson bounds with the critical value already known; trials > 0. */
function wilsonBounds(successes: number, trials: number, critical: number): Interval {
  const rate = successes / trials;
  const square = critical * critical;
  const spread =
    critical * Math.sqrt((rate * (1 - rate)) / trials + square / (4 * trials * trials));
  const centre = rate + square / (2 * trials);
  // The lower bound rationalised, (centre − spread)/(1 + z²/n) = rate² / (centre + spread),
  // so it stays exact when it is tiny (and exactly 0 at zero successes).
  const lower = (rate * rate) / (centre + spread);
  const upper = (centre + spread) / (1 + square / trials);
  return { lower, upper: Math.min(1, upper) };
}

/**
 * Wilson score interval for a proportion, without continuity correction:
 * (p̂ + z²/2n ± z √(p̂(1 − p̂)/n + z²/4n²)) / (1 + z²/n), z = Φ⁻¹(1 − (1 − confidence)/2)
 * (E. B. Wilson 1927; equals statsmodels `proportion_confint(method='wilson')`).
 *
 * With zero trials nothing is known about the rate, so the interval is [0, 1].
 */
export function wilsonInterval(successes: number, trials: number, confidence = 0.95): Interval {
  assertArm({ trials, successes }, 'arm');
  assertOpenUnit(confidence, 'confidence');

  if (trials === 0) return { lower: 0, upper: 1 };

  return wilsonBounds(successes, trials, -normalQuantile((1 - confidence) / 2));
}

/**
 * Newcombe's hybrid score interval for p_treatment − p_control (R. G. Newcombe 1998,
 * "Interval estimation for the difference between independent proportions", method 10):
 * θ̂ − √((p̂t − lt)² + (uc − p̂c)²) to θ̂ + √((ut − p̂t)² + (p̂c − lc)²), where l, u are each
 * arm's Wilson bounds (equals statsmodels `confint_proportions_2indep(method='newcomb')`).
 *
 * An arm with zero trials contributes its whole range [0, 1]: with an empty control the
 * interval is [lt − 1, ut], with an empty treatment [−uc, 1 − lc], with both [−1, 1].
 */
export function newcombeDiffInterval(control: Arm, treatment: Arm, confidence = 0.95): Interval {
  assertArm(control, 'control');
  assertArm(treatment, 'treatment');
  assertOpenUnit(confidence, 'confidence');

  const critical = -normalQuantile((1 - confidence) / 2);
  if (control.trials === 0 || treatment.trials === 0) {
    const c =
      control.trials === 0
        ? { lower: 0, upper: 1 }
        : wilsonBounds(control.successes, control.trials, critical);
    const t =
      treatment.trials === 0
        ? { lower: 0, upper: 1 }
        : wilsonBounds(treatment.successes, treatment.trials, critical);
    return { lower: t.lower - c.upper, upper: t.upper - c.lower };
  }

  const pc = control.successes / control.trials;
  const pt = treatment.successes / treatment.trials;
  const c = wilsonBounds(control.successes, control.trials, critical);
  const t = wilsonBounds(treatment.successes, treatment.trials, critical);
  const difference = pt - pc;
  return {
    lower: difference - Math.hypot(pt - t.lower, c.upper - pc),
    upper: difference + Math.hypot(t.upper - pt, pc - c.lower),
  };
}

/**
 * Pooled two-proportion z-test, two-sided: z = (p̂t − p̂c) / √(p̄(1 − p̄)(1/nt + 1/nc)) with
 * p̄ the pooled rate, p = 2 Φ(−|z|) — the score test for two binomial proportions, equal to
 * Pearson's 2×2 chi-square without correction (equals statsmodels `proportions_ztest` and
 * R `prop.test(correct = FALSE)`).
 *
 * When the test has no information (an arm without trials, or a pooled rate of 0 or 1 so
 * that every lead behaved alike) there is no evidence of a difference: z = 0, p = 1.
 */
export function twoProportionZTest(control: Arm, treatment: Arm): ZTestResult {
  assertArm(control, 'control');
  assertArm(treatment, 'treatment');

  if (control.trials === 0 || treatment.trials === 0) return { z: 0, pValue: 1 };
  const pooled = (control.successes + treatment.successes) / (control.trials + treatment.trials);
  const variance = pooled * (1 - pooled) * (1 / control.trials + 1 / treatment.trials);
  if (variance === 0) return { z: 0, pValue: 1 };

  const difference = treatment.successes / treatment.trials - control.successes / control.trials;
  const z = difference / Math.sqrt(variance);
  return { z, pValue: Math.min(1, 2 * normalSurvival(Math.abs(z))) };
}
