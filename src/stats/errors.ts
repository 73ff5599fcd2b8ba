/**
 * Thrown for input the statistics cannot be computed from: negative or fractional counts,
 * more customers than leads, a confidence outside (0, 1), a weight that is not positive, and
 * the like. The HTTP layer answers it with a 400, so the message names the offending field.
 */
export class StatsInputError extends Error {
  readonly code = 'invalid_stats_input';

  constructor(message: string) {
    super(message);
    this.name = 'StatsInputError';
  }
}
