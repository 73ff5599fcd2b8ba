// The click route of the real server against bare Express 5 routes answering the same 302,
// all loaded by autocannon on loopback in this run.
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const KEY = 'bench-key-0123456789abcdefghij';
const CONNECTIONS = 100;
const SECONDS = 4;
/**
 * Rounds of a run of each server back to back, the order turned each round, so that a slow
 * moment of the machine hits all alike; a ratio is the median of the rounds' ratios. A shared
 * machine's slow moments come and go within seconds: many short rounds beat a few long ones.
 */
const ROUNDS = 11;

function start(script: string, dir: string, port: number, env: Record<string, string> = {}) {
  return spawn(process.execPath, ['--import', TSX, script], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? '', PORT: String(port), ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function waitFor(url: string, init?: RequestInit): Promise<Response> {
  for (let i = 0; ; i++) {
    try {
      return await fetch(url, init);
    } catch (error) {
      if (i > 200) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

async function call(port: number, path: string, body: string, type: string) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': type },
    body,
  });
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: number };
}

/** CPU time a process has used so far, in ms, all its threads together (Linux only). */
function cpuMs(pid: number | undefined): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

async function load(server: ChildProcess, port: number, paths: string[]) {
  const cpuBefore = cpuMs(server.pid);
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    duration: SECONDS,
    requests: paths.map((path) => ({ method: 'GET', path })),
    headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0' },
  });
  const redirects = result.statusCodeStats?.['302']?.count ?? 0;
  const cpuAfter = cpuMs(server.pid);
  return {
    rps: Math.round(redirects / SECONDS),
    /** The server's CPU time per answer, in µs: steadier than throughput on a shared machine. */
    cpuUs:
      cpuBefore === undefined || cpuAfter === undefined
        ? undefined
        : ((cpuAfter - cpuBefore) * 1000) / Math.max(redirects, 1),
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx - redirects,
    redirects,
  };
}

const stop = (child: ChildProcess) =>
  new Promise<void>((done) => {
    child.once('exit', () => done());
    child.kill('SIGTERM');
  });

export default async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'leadsplit-bench-'));
  try {
    const port = 41000 + Math.floor(Math.random() * 1000);
    const server = start(resolve(here, '../src/server.ts'), dir, port, {
      LEADSPLIT_API_KEY: KEY,
      LEADSPLIT_LOG_LEVEL: 'warn',
    });
    await waitFor(`http://127.0.0.1:${port}/api/campaigns`);
    const campaign = await call(
      port,
      '/api/campaigns',
      JSON.stringify({
        name: 'bench',
        goal: 'purchase',
        testFraction: 1,
        variants: [
          { key: 'a', name: 'A', subject: 'a' },
          { key: 'b', name: 'B', subject: 'b' },
        ],
        links: [{ key: 'shop', url: 'https://shop.example.com/spring' }],
      }),
      'application/json',
    );
    const csv = ['email', ...Array.from({ length: 2000 }, (_, i) => `lead${i}@example.com`)];
    await call(port, `/api/campaigns/${campaign.id}/prospects`, csv.join('\n'), 'text/csv');
    await call(port, `/api/campaigns/${campaign.id}/launch`, '{}', 'application/json');
    const db = new Database(join(dir, 'data/leadsplit.db'), { readonly: true });
    let ids: string[] = [];
    while (ids.length < 2000) {
      await new Promise((r) => setTimeout(r, 100));
      ids = db.prepare(`SELECT id FROM messages WHERE status = 'sent'`).pluck().all() as string[];
    }
    const paths = ids.map((id) => `/t/c/${id}/shop`);
    const idiomaticPaths = ids.map((id) => `/r/c/${id}/shop`);

    const bare = start(resolve(here, 'bare-redirect.ts'), dir, port + 1);
    await waitFor(`http://127.0.0.1:${port + 1}/t/c/x/y`, { redirect: 'manual' });
    type Run = Awaited<ReturnType<typeof load>>;
    const same: Run[] = [];
    const idiomatic: Run[] = [];
    const runs: Run[] = [];
    const turns = [
      () => load(bare, port + 1, paths).then((r) => same.push(r)),
      () => load(bare, port + 1, idiomaticPaths).then((r) => idiomatic.push(r)),
      // The writer thread stores a round's last clicks just after the round; a pause keeps
      // that work out of the next run, whichever server it measures.
      () =>
        load(server, port, paths)
          .then((r) => runs.push(r))
          .then(() => new Promise((r) => setTimeout(r, 500))),
    ];
    for (let round = 0; round < ROUNDS; round++) {
      for (let turn = 0; turn < turns.length; turn++) await turns[(round + turn) % turns.length]!();
    }
    await stop(bare);
    await stop(server);
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;
    const byRps = (list: Run[]) => list.find((r) => r.rps === median(list.map((x) => x.rps)))!;
    const ratiosTo = (baselines: Run[]) => runs.map((r, i) => r.rps / baselines[i]!.rps);
    const ratios = ratiosTo(same);
    const cpu = (list: Run[]) => median(list.map((r) => r.cpuUs ?? NaN));
    const redirects = runs.reduce((sum, r) => sum + r.redirects, 0);
    const stored = db
      .prepare(`SELECT count(*) FROM events WHERE type = 'clicked'`)
      .pluck()
      .get() as number;
    db.close();

    const row = (name: string, r: Run, list: Run[]) =>
      `${name.padEnd(46)} ${String(r.rps).padStart(6)} req/s  p50 ${r.p50} ms  p99 ${r.p99} ms` +
      (Number.isNaN(cpu(list)) ? '' : `  server CPU ${cpu(list).toFixed(0)} µs/answer`);
    console.log(
      `${CONNECTIONS} connections, ${ROUNDS} rounds of ${SECONDS} s each (medians), autocannon on loopback`,
    );
    console.log(row('bare Express route, the same bytes (baseline)', byRps(same), same));
    console.log(row('bare Express route with res.redirect', byRps(idiomatic), idiomatic));
    console.log(row('click route, storing every click', byRps(runs), runs));
    console.log(
      `ratio ${median(ratios).toFixed(2)} of the baseline (target >= 0.70; the rounds: ` +
        `${ratios.map((r) => r.toFixed(2)).join(' ')})`,
    );
    console.log(`ratio ${median(ratiosTo(idiomatic)).toFixed(2)} of the res.redirect route`);
    if (!Number.isNaN(cpu(same) / cpu(runs))) {
      console.log(
        `server CPU per answer: the baseline's is ${(cpu(same) / cpu(runs)).toFixed(2)} of the click route's`,
      );
    }
    // autocannon stops with up to one answer per connection still in flight, which it does not
    // count; every counted 302 must have its click stored, and at most those few more.
    const inFlight = CONNECTIONS * ROUNDS;
    const allStored = stored >= redirects && stored - redirects <= inFlight;
    console.log(
      `clicks stored: ${stored}; 302s counted by the tool: ${redirects}, and up to ${inFlight}` +
        ` answers in flight when it stopped: ${allStored ? 'every click stored' : 'CLICKS LOST'}`,
    );
    if (!allStored) process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
