import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { createLeadsplit, type Leadsplit } from '../../src/index';
import { campaignBody, TSX_IMPORT } from '../helpers';

const CLI = resolve(__dirname, '../../src/cli.ts');

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** stdout read as the one JSON document --json prints. */
  json<T = Record<string, unknown>>(): T;
}

/** A folder of its own for a database, an outbox and input files; removed by `remove`. */
export interface Sandbox {
  dir: string;
  dbFile: string;
  outbox: string;
  /** Runs `leadsplit <args>` as a child process against the sandbox's database and outbox. */
  run(...args: string[]): Promise<CliRun>;
  /** Writes a file into the sandbox and answers its path. */
  file(name: string, content: string): string;
  /** Runs `work` on leadsplit opened in this process on the same database, as a server would. */
  inProcess<T>(work: (leadsplit: Leadsplit) => T | Promise<T>): Promise<T>;
  remove(): void;
}

export function cliSandbox(): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), 'leadsplit-cli-'));
  const dbFile = join(dir, 'leadsplit.db');
  const outbox = join(dir, 'outbox');
  return {
    dir,
    dbFile,
    outbox,
    run(...args) {
      // Not spawnSync: independent runs may overlap (describe.concurrent).
      const child = spawn(process.execPath, [...TSX_IMPORT, CLI, ...args], {
        cwd: dir,
        env: {
          PATH: process.env.PATH ?? '',
          LEADSPLIT_DATABASE: dbFile,
          LEADSPLIT_OUTBOX_DIR: outbox,
        },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
      return new Promise((resolve, reject) => {
        child.once('error', reject);
        child.once('close', (status) =>
          resolve({ status, stdout, stderr, json: <T>() => JSON.parse(stdout) as T }),
        );
      });
    },
    file(name, content) {
      const path = join(dir, name);
      writeFileSync(path, content);
      return path;
    },
    async inProcess(work) {
      const leadsplit = createLeadsplit({
        database: dbFile,
        publicUrl: 'http://localhost:3000',
        logger: pino({ level: 'silent' }),
        outboxDir: outbox,
        sendWorker: false,
        scheduler: false,
      });
      try {
        return await work(leadsplit);
      } finally {
        await leadsplit.close();
      }
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A campaign file: two variants, half of the list in the test. */
export const campaignJson = (overrides: Record<string, unknown> = {}) =>
  JSON.stringify(campaignBody(overrides));
