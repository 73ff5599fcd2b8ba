import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config';
import { tempDir, TSX_IMPORT } from '../helpers';

const SERVER = resolve(__dirname, '../../src/server.ts');

interface Started {
  output: () => string;
  stop: () => Promise<number | null>;
  exited: Promise<number | null>;
}

/** Runs the standalone server as a child process in `cwd` with only the given environment. */
function startServer(cwd: string, env: Record<string, string>): Started {
  const child = spawn(process.execPath, [...TSX_IMPORT, SERVER], {
    cwd,
    env: { PATH: process.env.PATH ?? '', LEADSPLIT_LOG_LEVEL: 'warn', ...env },
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((done) => child.on('exit', (code) => done(code)));
  return {
    output: () => output,
    exited,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

async function waitFor(url: string, timeoutMs = 15_000): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fetch(url);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

describe('loadConfig', () => {
  it('names every bad variable', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        LEADSPLIT_PUBLIC_URL: 'localhost:3000',
        LEADSPLIT_API_KEY: 'short',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = (error as ConfigError).message;
    expect(text).toContain('PORT');
    expect(text).toContain('LEADSPLIT_PUBLIC_URL');
    expect(text).toContain('LEADSPLIT_API_KEY');
  });

  it('fills in the embedded defaults', () => {
    expect(loadConfig({})).toMatchObject({
      port: 3000,
      database: './data/leadsplit.db',
      publicUrl: 'http://localhost:3000',
      outboxDir: './outbox',
      sendgrid: undefined,
    });
  });
});

describe('the standalone server', () => {
  it('starts on its defaults, prints a generated API key once, and serves the API', async () => {
    const cwd = tempDir();
    const port = String(20000 + Math.floor(Math.random() * 20000));

    const first = startServer(cwd, { PORT: port });
    await waitFor(`http://127.0.0.1:${port}/api/campaigns`);
    const key = /ls_[A-Za-z0-9_-]{43}/.exec(first.output())?.[0];
    expect(key).toBeDefined();
    const res = await fetch(`http://127.0.0.1:${port}/api/campaigns`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(res.status).toBe(200);
    expect(await first.stop()).toBe(0);
    expect(existsSync(join(cwd, 'data/leadsplit.db'))).toBe(true);

    const second = startServer(cwd, { PORT: port });
    await waitFor(`http://127.0.0.1:${port}/api/campaigns`);
    expect(second.output()).not.toContain('ls_');
    expect(await second.stop()).toBe(0);
  });

  it('stops at start-up naming a wrong variable', async () => {
    const server = startServer(tempDir(), { PORT: '70000' });

    const code = await server.exited;

    expect(code).not.toBe(0);
    expect(server.output()).toContain('PORT: must be between 1 and 65535');
  });
});
