// The writer thread: applies the hit work the request thread hands over, in order, so that no
// request waits while SQLite updates the events indexes and the funnel counts.
import process from 'node:process';
import { clearTimeout, setTimeout } from 'node:timers';
import { parentPort, workerData } from 'node:worker_threads';

/** Where the thread tells the request thread how far it got; see hit-writer.ts. */
const STORED = 0;
const STOPPED = 1;
const CLOSED = 1;
const FAILED = 2;
/** How long work the database refused waits before the next try. */
const RETRY_MS = 50;
/** How long closing keeps trying a refusing database before it leaves the rest. */
const CLOSE_PATIENCE_MS = 10_000;
/** How often a database that keeps refusing is reported. */
const REPORT_EVERY_MS = 5_000;

/** @type {{ file: string, pragmas: string[], progress: Int32Array }} */
const { file, pragmas, progress } = workerData;

/** @param {number} how */
function stop(how) {
  Atomics.store(progress, STOPPED, how);
  Atomics.notify(progress, STORED);
}

// A fault in this thread must not leave the request thread waiting for work that will never
// be done: it learns at once, and writes the rest itself.
process.on('uncaughtException', (error) => {
  stop(FAILED);
  parentPort?.postMessage({ kind: 'failed', error: String(error?.stack ?? error) });
  process.exit(1);
});

const { default: Database } = await import('better-sqlite3');
const { openHitStore } = await import('./hit-store.mjs');
const db = new Database(file, { fileMustExist: true });
for (const pragma of pragmas) db.pragma(pragma);
const store = openHitStore(db);

/** @type {(import('./hit-store.mjs').HitWork & { seq: number })[]} */
const queue = [];
/** @type {NodeJS.Timeout | undefined} */
let retryTimer;
let lastReport = { error: '', at: 0 };

function drain() {
  retryTimer = undefined;
  for (let work = queue[0]; work; work = queue[0]) {
    const outcome = store.apply(work);
    for (const { row, error } of outcome.dropped) {
      parentPort?.postMessage({ kind: 'dropped', messageId: row[0], error });
    }
    if (!outcome.done) {
      const now = Date.now();
      if (outcome.error !== lastReport.error || now - lastReport.at >= REPORT_EVERY_MS) {
        lastReport = { error: outcome.error ?? '', at: now };
        parentPort?.postMessage({ kind: 'retrying', error: outcome.error, waiting: queue.length });
      }
      retryTimer = setTimeout(drain, RETRY_MS);
      return;
    }
    queue.shift();
    Atomics.store(progress, STORED, work.seq);
    Atomics.notify(progress, STORED);
  }
}

function close() {
  if (retryTimer) clearTimeout(retryTimer);
  const deadline = Date.now() + CLOSE_PATIENCE_MS;
  drain();
  while (queue.length > 0 && Date.now() < deadline) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, RETRY_MS);
    drain();
  }
  if (retryTimer) clearTimeout(retryTimer);
  db.close();
  stop(CLOSED);
  parentPort?.close();
}

parentPort?.on('message', (message) => {
  if (message.kind === 'close') {
    close();
    return;
  }
  queue.push(message);
  if (!retryTimer) drain();
});
