import { parseArgs } from 'node:util';
import { UsageError, type Command, type OptionSpec } from './command';
import { commandHelp, generalHelp, GLOBAL_OPTIONS } from './help';

export type CommandLine =
  | { help: string }
  | {
      command: Command;
      args: string[];
      options: Record<string, string | boolean | undefined>;
      database?: string;
    };

const tokensOf = (args: string[], options: Record<string, OptionSpec>) =>
  parseArgs({
    args,
    options: Object.fromEntries(
      Object.entries(options).map(([name, spec]) => [name, { type: spec.type }]),
    ),
    // Checked below, to say what is wrong in the words of this command line.
    strict: false,
    allowPositionals: true,
    tokens: true,
  });

/** Which command, its arguments and options; or the help asked for. */
export function parseCommandLine(argv: string[], commands: Command[]): CommandLine {
  const find = (name: string) => commands.find((c) => c.name === name);

  const first = tokensOf(argv, GLOBAL_OPTIONS).tokens.find((t) => t.kind === 'positional');
  if (!first) {
    if (argv.includes('--help') || argv.includes('-h')) return { help: generalHelp(commands) };
    throw new UsageError('give a command');
  }
  if (first.value === 'help') {
    const topic = argv[first.index + 1];
    const command = topic === undefined ? undefined : find(topic);
    return { help: command ? commandHelp(command) : generalHelp(commands) };
  }
  const command = find(first.value);
  if (!command) throw new UsageError(`unknown command "${first.value}"`);

  const spec = { ...command.options, ...GLOBAL_OPTIONS };
  const rest = argv.filter((_, i) => i !== first.index);
  const { values, positionals, tokens } = tokensOf(rest, spec);
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const option = spec[token.name];
    if (!option) throw new UsageError(`unknown option ${token.rawName}`, command.name);
    if (option.type === 'string' && token.value === undefined) {
      throw new UsageError(`${token.rawName} needs a value`, command.name);
    }
    if (option.type === 'boolean' && token.inlineValue) {
      throw new UsageError(`${token.rawName} takes no value`, command.name);
    }
  }
  if (values.help) return { help: commandHelp(command) };

  if (positionals.length < command.args.length) {
    throw new UsageError(`missing ${command.args[positionals.length]}`, command.name);
  }
  if (positionals.length > command.args.length) {
    const extra = positionals[command.args.length];
    throw new UsageError(`unexpected argument "${extra}"`, command.name);
  }
  const database = typeof values.database === 'string' ? values.database : undefined;
  return { command, args: positionals, options: values, database };
}
