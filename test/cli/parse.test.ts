import { describe, expect, it } from 'vitest';
import { UsageError, type Command } from '../../src/cli/command';
import { describeError, exitCodeOf } from '../../src/cli/errors';
import { parseCommandLine } from '../../src/cli/parse';
import { ConfigError } from '../../src/config';
import { AppError } from '../../src/errors';

const run = async () => ({ json: null, text: '' });

const COMMANDS: Command[] = [
  {
    name: 'rollout',
    args: ['<campaign id>'],
    summary: 'Send one variant to the rest of the list.',
    options: {
      variant: { type: 'string', value: 'key', description: 'the variant' },
      send: { type: 'boolean', description: 'then send' },
    },
    run,
  },
  { name: 'send', args: [], summary: 'Send what is due.', run },
];

const parse = (...argv: string[]) => parseCommandLine(argv, COMMANDS);

/** The usage error a command line raises, as the person running it reads it. */
function usageProblem(...argv: string[]): string {
  try {
    parse(...argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return describeError(error).message;
  }
  throw new Error('no usage error');
}

describe('parseCommandLine', () => {
  it('finds the command, its arguments and options wherever the global options stand', () => {
    const line = parse('--database', 'x.db', 'rollout', '7', '--variant', 'b', '--send', '--json');

    expect(line).toMatchObject({
      command: { name: 'rollout' },
      args: ['7'],
      options: { variant: 'b', send: true, json: true },
      database: 'x.db',
    });
  });

  it('answers the help of the command asked for, and the general help otherwise', () => {
    expect(parse('rollout', '--help')).toEqual({
      help: expect.stringMatching(/^Usage: leadsplit rollout <campaign id> \[options\]/),
    });
    expect(parse('help', 'send')).toEqual({
      help: expect.stringMatching(/^Usage: leadsplit send/),
    });
    expect(parse('--help')).toEqual({ help: expect.stringContaining('Exit codes:') });
  });

  it('names what is wrong, and the help that tells what is right', () => {
    expect(usageProblem()).toBe('give a command (see leadsplit --help)');
    expect(usageProblem('frobnicate')).toBe('unknown command "frobnicate" (see leadsplit --help)');
    expect(usageProblem('rollout', '7', '--colour')).toBe(
      'unknown option --colour (see leadsplit rollout --help)',
    );
    expect(usageProblem('rollout')).toBe('missing <campaign id> (see leadsplit rollout --help)');
    expect(usageProblem('rollout', '7', '8')).toContain('unexpected argument "8"');
    expect(usageProblem('rollout', '7', '--variant')).toContain('--variant needs a value');
    expect(usageProblem('rollout', '7', '--send=yes')).toContain('--send takes no value');
  });
});

describe('exitCodeOf', () => {
  it('tells usage, invalid input, not found, conflict and the unexpected apart', () => {
    expect(exitCodeOf(new UsageError('x'))).toBe(2);
    expect(exitCodeOf(new AppError(400, 'bad_request', 'x'))).toBe(3);
    expect(exitCodeOf(new AppError(413, 'payload_too_large', 'x'))).toBe(3);
    expect(exitCodeOf(new AppError(415, 'unsupported', 'x'))).toBe(3);
    expect(exitCodeOf(new ConfigError(['PORT: must be a number']))).toBe(3);
    expect(exitCodeOf(new AppError(404, 'not_found', 'x'))).toBe(4);
    expect(exitCodeOf(new AppError(409, 'no_winner', 'x'))).toBe(5);
    expect(exitCodeOf(new AppError(500, 'internal', 'x'))).toBe(1);
    expect(exitCodeOf(new TypeError('x'))).toBe(1);
  });
});
