// The `leadsplit` command line: campaigns, imports, sending and reports without the server.
// Each command lives in src/cli/; this file parses, dispatches and turns errors into exit codes.
import { loadConfig } from './config';
import { backup } from './cli/backup';
import type { Command, Io } from './cli/command';
import { create } from './cli/create';
import { erase } from './cli/erase';
import { describeError, EXIT, exitCodeOf } from './cli/errors';
import { exportCommand } from './cli/export';
import { importCommand } from './cli/import';
import { launch } from './cli/launch';
import { migrate } from './cli/migrate';
import { parseCommandLine } from './cli/parse';
import { report } from './cli/report';
import { rollout } from './cli/rollout';
import { send } from './cli/send';

const COMMANDS: Command[] = [
  create,
  importCommand,
  launch,
  send,
  report,
  rollout,
  exportCommand,
  erase,
  backup,
  migrate,
];

/** Resolves once what was written to `stream` has been handed to the system. */
const flushed = (stream: NodeJS.WriteStream) =>
  new Promise<void>((resolve) => stream.write('', () => resolve()));

async function main(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const io: Io = { json: argv.includes('--json'), stderr: process.stderr };
  let command: string | undefined;

  try {
    const line = parseCommandLine(argv, COMMANDS);
    if ('help' in line) {
      process.stdout.write(line.help);
      return EXIT.ok;
    }
    command = line.command.name;

    // The server's settings, read the same way; only the log level defaults lower, so that
    // the output is not lost among info lines.
    const config = loadConfig({ LEADSPLIT_LOG_LEVEL: 'warn', ...env });
    if (line.database !== undefined) config.database = line.database;

    const output = await line.command.run({
      args: line.args,
      options: line.options,
      config,
      io,
    });
    process.stdout.write(io.json ? `${JSON.stringify(output.json, null, 2)}\n` : output.text);
    return EXIT.ok;
  } catch (error) {
    const body = describeError(error, command);
    process.stderr.write(
      io.json
        ? `${JSON.stringify({ error: body })}\n`
        : `leadsplit: ${body.message.replace(/\s*\n\s*/g, ' ')}\n`,
    );
    const exitCode = exitCodeOf(error);
    // The one line says what; the stack, for whoever debugs it, says where.
    const debugging = env.LEADSPLIT_LOG_LEVEL === 'debug' || env.LEADSPLIT_LOG_LEVEL === 'trace';
    if (exitCode === EXIT.unexpected && debugging && error instanceof Error) {
      process.stderr.write(`${error.stack}\n`);
    }
    return exitCode;
  }
}

const code = await main(process.argv.slice(2), process.env);
// A long output to a pipe is written asynchronously: exit only once it is out.
await flushed(process.stdout);
await flushed(process.stderr);
process.exit(code);
