import type { Command, OptionSpec } from './command';
import { wrap } from './format';

/** Options every command takes. */
export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  database: {
    type: 'string',
    value: 'file',
    description: 'the SQLite file (default: LEADSPLIT_DATABASE, else ./data/leadsplit.db)',
  },
  json: {
    type: 'boolean',
    description: 'print one JSON document on stdout; an error as {"error": …} on stderr',
  },
  help: { type: 'boolean', description: 'show the help of the command' },
};

export const EXIT_CODES: [number, string][] = [
  [0, 'success'],
  [1, 'unexpected error'],
  [2, 'usage error: unknown command or option, missing or malformed argument'],
  [3, 'invalid input: a bad file, JSON or CSV, a campaign that fails validation, a bad setting'],
  [4, 'not found: the campaign, prospect, file or database'],
  [5, "conflict: the campaign's state forbids it (a draft rolled out), or the file exists"],
];

function optionLines(options: Record<string, OptionSpec>): string[] {
  const names = Object.entries(options).map(([name, spec]) => [
    spec.value ? `--${name} <${spec.value}>` : `--${name}`,
    spec.description,
  ]);
  const width = Math.max(...names.map(([name]) => name!.length));
  return names.map(([name, description]) => `  ${name!.padEnd(width)}  ${description}`);
}

const usageOf = (command: Command) =>
  ['leadsplit', command.name, ...command.args, '[options]'].join(' ');

export function generalHelp(commands: Command[]): string {
  return [
    'leadsplit: A/B tests for email campaigns, judged by the lead-to-customer ratio.',
    '',
    'Usage: leadsplit <command> [arguments] [options]',
    '',
    'Commands:',
    ...commands.flatMap((c) => {
      const usage = usageOf(c).slice('leadsplit '.length).replace(' [options]', '');
      return [`  ${usage}`, ...wrap(c.summary, '      ')];
    }),
    '',
    'Options of every command:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    "The environment is the server's: LEADSPLIT_DATABASE, LEADSPLIT_OUTBOX_DIR, " +
      'SENDGRID_API_KEY, LEADSPLIT_PUBLIC_URL, LEADSPLIT_SEND_RATE, … (see the README). Logs',
    "go to stderr at level 'warn' unless LEADSPLIT_LOG_LEVEL says otherwise.",
    '',
    'Exit codes:',
    ...EXIT_CODES.map(([code, meaning]) => `  ${code}  ${meaning}`),
    '',
    'leadsplit <command> --help describes one command.',
    '',
  ].join('\n');
}

export function commandHelp(command: Command): string {
  return [
    `Usage: ${usageOf(command)}`,
    '',
    ...wrap(command.summary),
    ...(command.details ? ['', ...wrap(command.details)] : []),
    '',
    'Options:',
    ...optionLines({ ...command.options, ...GLOBAL_OPTIONS }),
    '',
    `Exit codes: ${EXIT_CODES.map(([code, meaning]) => `${code} ${meaning.split(':')[0]}`).join(
      ', ',
    )}.`,
    '',
  ].join('\n');
}
