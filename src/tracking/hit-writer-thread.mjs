// The writer thread: stores the batches of tracking hits the request thread hands over, so
// that no request waits while SQLite updates the events indexes and the funnel counts.
import Database from 'better-sqlite3';
import { clearTimeout, setTimeout } from 'node:timers';
import { parentPort, workerData } from 'node:worker_threads';
import { openHitStore } from './hit-store.mjs';

/** How long a batch the database was too busy for waits before the next try. */
const RETRY_MS = 50;
/** How long closing keeps trying a busy database before it gives the hits up. */
const CLOSE_PATIENCE_MS = 10_000;

/**
 * progress[0]: the sequence number of the last batch stored (or dropped as unstorable);
 * progress[1]: 1 once the database is closed; progress[2]: hits given up on at closing.
 *
 * @type {{ file: string, pragmas: string[], progress: Int32Array }}
 */
const { file, pragmas, progress } = workerData;
const db = new Database(file);
for (const pragma of pragmas) db.pragma(pragma);
const hits = openHitStore(db);

/** @type {{ seq: number, rows: import('./hit-store.mjs').HitRow[] }[]} */
const queue = [];
/** @type {NodeJS.Timeout | undefined} */
let retryTimer;

function drain() {
  retryTimer = undefined;
  for (let batch = queue[0]; batch; batch = queue[0]) {
    const outcome = hits.store(batch.rows);
    for (const { row, error } of outcome.dropped) {
      parentPort?.postMessage({ kind: 'dropped', messageId: row[0], error });
    }
    if (outcome.retry.length > 0) {
      batch.rows = outcome.retry;
      parentPort?.postMessage({ kind: 'busy', pending: outcome.retry.length });
      retryTimer = setTimeout(drain, RETRY_MS);
      return;
    }
    queue.shift();
    Atomics.store(progress, 0, batch.seq);
    Atomics.notify(progress, 0);
  }
}

parentPort?.on('message', (message) => {
  if (message.kind === 'close') {
    if (retryTimer) clearTimeout(retryTimer);
    const deadline = Date.now() + CLOSE_PATIENCE_MS;
    drain();
    while (queue.length > 0 && Date.now() < deadline) {
      Atomics.wait(progress, 3, 0, RETRY_MS);
      drain();
    }
    if (retryTimer) clearTimeout(retryTimer);
    Atomics.store(
      progress,
      2,
      queue.reduce((sum, batch) => sum + batch.rows.length, 0),
    );
    db.close();
    Atomics.store(progress, 1, 1);
    Atomics.notify(progress, 1);
    parentPort?.close();
    return;
  }
  queue.push(message);
  if (!retryTimer) drain();
});
