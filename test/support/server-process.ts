import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { afterEach } from 'vitest';
import { API_KEY, TSX_IMPORT } from '../helpers';

const SERVER = resolve(__dirname, '../../src/server.ts');

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

export const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const freePort = () => 20000 + Math.floor(Math.random() * 20000);

/** The real standalone server in a child process, started in `dir` with its own environment. */
export function startServer(dir: string, port: number, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [...TSX_IMPORT, SERVER], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      LEADSPLIT_API_KEY: API_KEY,
      LEADSPLIT_LOG_LEVEL: 'error',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  return child;
}

export const exited = (child: ChildProcess) =>
  new Promise<number | null>((done) =>
    child.exitCode !== null ? done(child.exitCode) : child.once('exit', (code) => done(code)),
  );

/** Calls the server's API with the test key; a non-2xx answer throws. */
export async function api(port: number, path: string, body?: unknown, type = 'application/json') {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': type },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
  return res.json() as Promise<Record<string, unknown>>;
}

/** Waits until the server answers its API. */
export async function ready(port: number, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await api(port, '/api/campaigns');
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await wait(100);
    }
  }
}

/** Polls until `check` answers something truthy. */
export async function until<T>(
  what: string,
  check: () => T | undefined | false,
  timeoutMs = 40_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await wait(25);
  }
}
