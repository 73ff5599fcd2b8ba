import { ConfigError } from '../config';
import { AppError } from '../errors';
import { UsageError } from './command';

export const EXIT = {
  ok: 0,
  unexpected: 1,
  usage: 2,
  invalid: 3,
  notFound: 4,
  conflict: 5,
} as const;

/** The exit code that tells a script what went wrong; see EXIT_CODES in ./help. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError) return EXIT.usage;
  if (error instanceof ConfigError) return EXIT.invalid;
  if (!(error instanceof AppError)) return EXIT.unexpected;
  if (error.status === 404) return EXIT.notFound;
  if (error.status === 409) return EXIT.conflict;
  // 400, 413, 415, 422: what was given cannot be used.
  if (error.status >= 400 && error.status < 500) return EXIT.invalid;
  return EXIT.unexpected;
}

export interface ErrorBody {
  code: string;
  message: string;
  details?: unknown;
}

/**
 * An error as one plain line for people, or the JSON body scripts read. `command` is the one
 * being run, when the command line got that far: a usage error points at its help.
 */
export function describeError(error: unknown, command?: string): ErrorBody {
  if (error instanceof UsageError) {
    const name = error.command ?? command;
    const help = name ? `leadsplit ${name} --help` : 'leadsplit --help';
    return { code: 'usage', message: `${error.message} (see ${help})` };
  }
  if (error instanceof ConfigError) {
    return {
      code: 'invalid_config',
      message: `invalid environment: ${error.problems.join('; ')}`,
      details: { problems: error.problems },
    };
  }
  if (error instanceof AppError) {
    return {
      code: error.code,
      message: error.message,
      ...(error.details === undefined ? {} : { details: error.details }),
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'internal', message: `unexpected error: ${message}` };
}
