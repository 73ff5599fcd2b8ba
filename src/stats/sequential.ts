import type { Arm, SequentialOptions, SequentialResult } from './types';
import { StatsInputError } from './errors';
import { assertArm, assertOpenUnit, assertPositive } from './validate';

/**
 * Default minimum detectable effect when the caller names none: one percentage point, the
 * order of effect email campaigns with lead-to-customer rates of a few percent look for.
 */
export const DEFAULT_SEQUENTIAL_MDE = 0.01;

/**
 * Variance of one arm's observed rate. A rate of exactly 0 or 1 has plug-in variance 0,
 * which would make the test certain after a single lead; that arm uses the Jeffreys-smoothed
 * rate (s + ½) / (n + 1) instead, which is what its variance would be after half a lead of
 * each outcome. Every other arm uses p̂(1 − p̂)/n exactly as the published formula does.
 */
function rateVariance(arm: Arm): number {
  const rate = arm.successes / arm.trials;
  const smoothed =
    arm.successes === 0 || arm.successes === arm.trials
      ? (arm.successes + 0.5) / (arm.trials + 1)
      : rate;
  return (smoothed * (1 - smoothed)) / arm.trials;
}

function resolveMixingVariance(options: SequentialOptions): number {
  if (options.tau2 !== undefined) {
    assertPositive(options.tau2, 'tau2');
    return options.tau2;
  }
  const mde = options.mde ?? DEFAULT_SEQUENTIAL_MDE;
  assertPositive(mde, 'mde');
  if (mde > 1) throw new StatsInputError(`mde must be at most 1, got ${mde}`);
  // τ² = mde²: a normal prior on the effect, centred at 0, whose scale is the effect the
  // campaign wants to detect. The mixture likelihood ratio gathers evidence fastest for
  // effects of about τ (power concentrates where the mixing distribution puts its mass),
  // so the test is quickest on the effects the campaign cares about; much smaller effects,
  // which it does not, take longer to declare, and much larger ones are obvious anyway.
  return mde * mde;
}

/**
 * Always-valid p-value and confidence sequence for the difference of two proportions by
 * the mixture sequential probability ratio test with a normal mixture N(0, τ²) (R. Johari,
 * L. Pekelis, D. Walsh 2017, "Always valid inference: continuous monitoring of A/B tests"):
 * V = p̂c(1 − p̂c)/nc + p̂t(1 − p̂t)/nt, θ̂ = p̂t − p̂c,
 * Λ = √(V / (V + τ²)) · exp(τ² θ̂² / (2V(V + τ²))), p = min(1, 1/Λ), and the interval
 * θ̂ ± √((V(V + τ²)/τ²) · (2 ln(1/α) + ln((V + τ²)/V))), clipped to [−1, 1].
 *
 * The p-value stays valid however often it is looked at: the chance that it ever drops
 * below α during a campaign with no real difference is at most α. This function is
 * memoryless; a caller tracking a campaign over time may keep the running minimum of the
 * p-value (and the running intersection of the intervals), which is equally valid.
 *
 * Defined edge cases: an arm with no trials gives p = 1 and the interval [−1, 1]; an arm
 * whose rate is exactly 0 or 1 uses a Jeffreys-smoothed rate in V (see rateVariance), so
 * V is never 0 and the test is never certain from a handful of leads.
 *
 * Options: alpha (default 0.05); tau2, or mde to set tau2 = mde² (default mde 0.01).
 */
export function sequentialTest(
  control: Arm,
  treatment: Arm,
  options: SequentialOptions = {},
): SequentialResult {
  assertArm(control, 'control');
  assertArm(treatment, 'treatment');
  const alpha = options.alpha ?? 0.05;
  assertOpenUnit(alpha, 'alpha');
  const tau2 = resolveMixingVariance(options);

  if (control.trials === 0 || treatment.trials === 0) {
    return { pValue: 1, significant: false, interval: { lower: -1, upper: 1 } };
  }

  const difference = treatment.successes / treatment.trials - control.successes / control.trials;
  // TODO: the guarantee rests on the normal approximation of θ̂ with a plug-in variance, as
  // in the paper; with only a handful of customers per arm it is approximate. A
  // Beta-binomial mixture likelihood would make it exact for small counts.
  const variance = rateVariance(control) + rateVariance(treatment);

  // ln Λ, kept in log space so that overwhelming evidence gives a tiny p rather than 0/∞.
  const logRatio =
    0.5 * Math.log(variance / (variance + tau2)) +
    (tau2 * difference * difference) / (2 * variance * (variance + tau2));
  const pValue = Math.exp(-Math.max(0, logRatio));

  const radius = Math.sqrt(
    ((variance * (variance + tau2)) / tau2) *
      (2 * Math.log(1 / alpha) + Math.log((variance + tau2) / variance)),
  );
  return {
    pValue,
    significant: pValue < alpha,
    interval: {
      lower: Math.max(-1, difference - radius),
      upper: Math.min(1, difference + radius),
    },
  };
}
