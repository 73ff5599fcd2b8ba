import type { ServerConfig } from '../config';

/** What a command prints: `json` with --json, `text` (written as it is) otherwise. */
export interface CommandOutput {
  json: unknown;
  text: string;
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  /** The value's name in the help, for a string option: `--out <file>`. */
  value?: string;
  description: string;
}

/** Where a command may talk besides its output: progress bars and notices go to stderr. */
export interface Io {
  json: boolean;
  stderr: NodeJS.WriteStream;
}

export interface CommandInput {
  /** The positional arguments, as many as the command names. */
  args: string[];
  options: Record<string, string | boolean | undefined>;
  /** The environment's settings, the database path already replaced by --database. */
  config: ServerConfig;
  io: Io;
}

export interface Command {
  name: string;
  /** Positional arguments, each required, in the order the usage line shows them. */
  args: string[];
  summary: string;
  /** A few more lines for `leadsplit <command> --help`. */
  details?: string;
  options?: Record<string, OptionSpec>;
  run(input: CommandInput): Promise<CommandOutput>;
}

/** A command line leadsplit cannot make sense of: exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A campaign id argument: a positive whole number. */
export function campaignIdArg(raw: string | undefined): number {
  const id = Number(raw);
  if (!raw || !/^\d+$/.test(raw) || !Number.isSafeInteger(id) || id < 1) {
    throw new UsageError(`the campaign id must be a whole number, not "${raw ?? ''}"`);
  }
  return id;
}

export const stringOption = (input: CommandInput, name: string): string | undefined => {
  const value = input.options[name];
  return typeof value === 'string' ? value : undefined;
};

export const flag = (input: CommandInput, name: string): boolean => input.options[name] === true;
