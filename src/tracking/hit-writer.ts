import { Worker } from 'node:worker_threads';
import type { Context } from '../context';
import { CONNECTION_PRAGMAS } from '../db';
import { openHitStore, type HitRow, type StoreOutcome } from './hit-store.mjs';

export type { HitRow };

/** How long flush() and close() wait for the writer thread before they give up waiting. */
const PATIENCE_MS = 15_000;

/** Stores batches of tracking hits in the events table. */
export interface HitWriter {
  /** Where the writes happen: a thread of their own, or the request thread. */
  readonly where: 'thread' | 'inline';
  /** Hands a batch over; it is stored soon, not necessarily before this returns. */
  write(rows: HitRow[]): void;
  /** Returns once every batch handed over is stored (or the wait gave up). */
  settle(): void;
  /** Stores what is left and lets go of the database. */
  close(): void;
}

/**
 * The writer for this database: a thread of its own for a database file, so that a burst of
 * clicks never makes a request wait on SQLite's index updates; the request thread itself for
 * an in-memory database, which another connection cannot open.
 */
export function createHitWriter(ctx: Context, thread = true): HitWriter {
  return thread && !ctx.sqlite.memory ? new ThreadHitWriter(ctx) : new InlineHitWriter(ctx);
}

function report(ctx: Context, outcome: StoreOutcome): void {
  for (const { row, error } of outcome.dropped) {
    ctx.logger.error({ messageId: row[0], error }, 'tracking hit could not be stored');
  }
}

/** Writes on the request thread, in the caller's time. */
export class InlineHitWriter implements HitWriter {
  readonly where = 'inline';
  private pending: HitRow[] = [];
  private readonly store;

  constructor(private readonly ctx: Context) {
    this.store = openHitStore(ctx.sqlite);
  }

  write(rows: HitRow[]): void {
    this.pending = this.pending.length === 0 ? rows : this.pending.concat(rows);
    this.settle();
  }

  settle(): void {
    if (this.pending.length === 0 || !this.ctx.sqlite.open) return;
    const outcome = this.store.store(this.pending);
    report(this.ctx, outcome);
    this.pending = outcome.retry;
    if (this.pending.length > 0) {
      this.ctx.logger.warn({ pending: this.pending.length }, 'database busy; hits kept for later');
    }
  }

  close(): void {
    this.settle();
    if (this.pending.length > 0) {
      this.ctx.logger.error({ lost: this.pending.length }, 'tracking hits lost at shutdown');
    }
  }
}

/**
 * Hands batches to a thread with its own connection. Each batch carries a sequence number;
 * the thread publishes the last one stored in shared memory, which is what lets settle() wait
 * without the event loop, and what tells which batches to write here should the thread die.
 */
export class ThreadHitWriter implements HitWriter {
  get where(): 'thread' | 'inline' {
    return this.fallback ? 'inline' : 'thread';
  }
  /** [last batch stored, database closed, hits given up on at closing, spare for sleeping] */
  private readonly progress = new Int32Array(new SharedArrayBuffer(4 * 4));
  private worker: Worker | undefined;
  private sequence = 0;
  private unconfirmed: { seq: number; rows: HitRow[] }[] = [];
  private closing = false;
  /** Set once the thread is gone: from then on this process writes for itself. */
  private fallback: InlineHitWriter | undefined;

  constructor(
    private readonly ctx: Context,
    /** The thread's script; another one only to prove what happens when a thread fails. */
    private readonly script = new URL('./hit-writer-thread.mjs', import.meta.url),
  ) {}

  write(rows: HitRow[]): void {
    if (this.fallback) {
      this.fallback.write(rows);
      return;
    }
    this.forgetStored();
    const batch = { seq: ++this.sequence, rows };
    this.unconfirmed.push(batch);
    this.thread().postMessage(batch);
  }

  settle(): void {
    if (this.fallback) {
      this.fallback.settle();
      return;
    }
    const deadline = Date.now() + PATIENCE_MS;
    for (;;) {
      const stored = Atomics.load(this.progress, 0);
      if (stored >= this.sequence) break;
      const left = deadline - Date.now();
      if (left <= 0) {
        this.ctx.logger.warn(
          { waiting: this.sequence - stored },
          'hit writer thread is slow; stopped waiting for it',
        );
        break;
      }
      Atomics.wait(this.progress, 0, stored, left);
    }
    this.forgetStored();
  }

  close(): void {
    if (this.fallback) {
      this.fallback.close();
      return;
    }
    if (!this.worker) return;
    this.closing = true;
    this.settle();
    this.worker.postMessage({ kind: 'close' });
    Atomics.wait(this.progress, 1, 0, PATIENCE_MS);
    const lost = Atomics.load(this.progress, 2);
    if (lost > 0) this.ctx.logger.error({ lost }, 'tracking hits lost at shutdown');
    void this.worker.terminate();
    this.worker = undefined;
  }

  /** The thread, started with the first batch, so that a process that records none has none. */
  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.script, {
      // The thread runs plain JavaScript: none of the parent's loaders.
      execArgv: [],
      workerData: {
        file: this.ctx.sqlite.name,
        pragmas: CONNECTION_PRAGMAS,
        progress: this.progress,
      },
    });
    // Buffered hits never keep a process alive by themselves; close() is what stores them.
    worker.unref();
    worker.on('message', (message: { kind: string; messageId?: string; error?: string }) => {
      if (message.kind === 'dropped') {
        this.ctx.logger.error(
          { messageId: message.messageId, error: message.error },
          'tracking hit could not be stored',
        );
      } else if (message.kind === 'busy') {
        this.ctx.logger.warn(message, 'database busy; hits kept for later');
      }
    });
    worker.on('error', (error) => {
      this.ctx.logger.error({ err: error }, 'hit writer thread failed; writing hits inline');
      this.takeOver();
    });
    worker.on('exit', () => {
      if (!this.closing) this.takeOver();
    });
    this.worker = worker;
    return worker;
  }

  private forgetStored(): void {
    const stored = Atomics.load(this.progress, 0);
    if (this.unconfirmed.length > 0 && this.unconfirmed[0]!.seq <= stored) {
      this.unconfirmed = this.unconfirmed.filter((batch) => batch.seq > stored);
    }
  }

  /** The thread is gone: what it had not confirmed, and everything after, is written here. */
  private takeOver(): void {
    if (this.fallback) return;
    this.forgetStored();
    this.worker = undefined;
    this.fallback = new InlineHitWriter(this.ctx);
    for (const batch of this.unconfirmed) this.fallback.write(batch.rows);
    this.unconfirmed = [];
  }
}
