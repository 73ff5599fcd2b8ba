import { StatsInputError } from './errors';
import type { Arm, BetaPrior } from './types';

export function assertFinite(value: number, name: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new StatsInputError(`${name} must be a finite number, got ${String(value)}`);
  }
}

export function assertCount(value: number, name: string): void {
  assertFinite(value, name);
  if (!Number.isInteger(value) || value < 0) {
    throw new StatsInputError(`${name} must be a non-negative integer, got ${value}`);
  }
}

/** A probability strictly between 0 and 1 (a confidence, an alpha, a power). */
export function assertOpenUnit(value: number, name: string): void {
  assertFinite(value, name);
  if (value <= 0 || value >= 1) {
    throw new StatsInputError(`${name} must be strictly between 0 and 1, got ${value}`);
  }
}

export function assertClosedUnit(value: number, name: string): void {
  assertFinite(value, name);
  if (value < 0 || value > 1) {
    throw new StatsInputError(`${name} must be between 0 and 1, got ${value}`);
  }
}

export function assertPositive(value: number, name: string): void {
  assertFinite(value, name);
  if (value <= 0) {
    throw new StatsInputError(`${name} must be positive, got ${value}`);
  }
}

export function assertArm(arm: Arm, name: string): void {
  if (typeof arm !== 'object' || arm === null) {
    throw new StatsInputError(`${name} must be an object with trials and successes`);
  }
  assertCount(arm.trials, `${name}.trials`);
  assertCount(arm.successes, `${name}.successes`);
  if (arm.successes > arm.trials) {
    throw new StatsInputError(
      `${name}.successes (${arm.successes}) cannot exceed ${name}.trials (${arm.trials})`,
    );
  }
}

export function assertArms(arms: readonly Arm[], name: string): void {
  if (!Array.isArray(arms) || arms.length === 0) {
    throw new StatsInputError(`${name} must be a non-empty array of arms`);
  }
  arms.forEach((arm, index) => assertArm(arm, `${name}[${index}]`));
}

export function assertPrior(prior: BetaPrior): void {
  if (typeof prior !== 'object' || prior === null) {
    throw new StatsInputError('prior must be an object with alpha and beta');
  }
  assertPositive(prior.alpha, 'prior.alpha');
  assertPositive(prior.beta, 'prior.beta');
}
