import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import type { Context } from '../context';
import { CONNECTION_PRAGMAS } from '../db';
import { openHitStore, type HitRow, type HitWork, type WorkOutcome } from './hit-store.mjs';

export type { HitRow };

/** How long flush() and close() wait for the writer thread before they stop waiting. */
const PATIENCE_MS = 15_000;
/** Slots of the shared progress array: the last work applied, and whether the thread stopped. */
const STORED = 0;
const STOPPED = 1;

/** Stores tracking hits in the events table, in the order they are handed over. */
export interface HitWriter {
  /** Where the writes happen: a thread of their own, or the request thread. */
  readonly where: 'thread' | 'inline';
  /** Hands a batch of hits over; it is stored soon, not necessarily before this returns. */
  write(rows: HitRow[]): void;
  /** Flags a message's clicks since `since` as a machine's, after the hits handed over. */
  sweep(messageId: string, since: number, reason: string): void;
  /** Returns once everything handed over is stored (or the wait gave up). */
  settle(): void;
  /** Gives work the database refused another try, without waiting; called every flush tick. */
  retry(): void;
  /** Stores what is left and lets go of the database; later hits are written inline. */
  close(): Promise<void>;
}

/**
 * The writer for this database: a thread of its own for a database file, so that a burst of
 * clicks never makes a request wait on SQLite's index updates; the request thread itself for
 * an in-memory database, which another connection cannot open.
 */
export function createHitWriter(ctx: Context, thread = true): HitWriter {
  return thread && !ctx.sqlite.memory ? new ThreadHitWriter(ctx) : new InlineHitWriter(ctx);
}

function logOutcome(ctx: Context, outcome: Pick<WorkOutcome, 'dropped'>): void {
  for (const { row, error } of outcome.dropped) {
    ctx.logger.error({ messageId: row[0], error }, 'tracking hit could not be stored');
  }
}

const hitCount = (work: HitWork[]) =>
  work.reduce((sum, w) => sum + (w.kind === 'hits' ? w.rows.length : 0), 0);

/** How often a database that keeps refusing hits is reported. */
const REPORT_EVERY_MS = 5_000;

/** Writes on the request thread, in the caller's time; what the database refuses waits. */
export class InlineHitWriter implements HitWriter {
  readonly where = 'inline';
  private pending: HitWork[] = [];
  private store: ReturnType<typeof openHitStore> | undefined;
  private lastReport = { error: '', at: 0 };

  constructor(private readonly ctx: Context) {}

  write(rows: HitRow[]): void {
    this.pending.push({ kind: 'hits', rows });
    this.settle();
  }

  sweep(messageId: string, since: number, reason: string): void {
    this.pending.push({ kind: 'sweep', messageId, since, reason });
    this.settle();
  }

  settle(): void {
    if (!this.ctx.sqlite.open) return;
    this.store ??= openHitStore(this.ctx.sqlite);
    while (this.pending.length > 0) {
      const outcome = this.store.apply(this.pending[0]!);
      logOutcome(this.ctx, outcome);
      if (!outcome.done) {
        const error = outcome.error ?? '';
        const now = Date.now();
        if (error !== this.lastReport.error || now - this.lastReport.at >= REPORT_EVERY_MS) {
          this.lastReport = { error, at: now };
          this.ctx.logger.warn(
            { error, waiting: hitCount(this.pending) },
            'database refused tracking hits; retrying',
          );
        }
        return;
      }
      this.pending.shift();
    }
  }

  retry(): void {
    if (this.pending.length > 0) this.settle();
  }

  async close(): Promise<void> {
    this.settle();
    if (this.pending.length > 0) {
      this.ctx.logger.error({ lost: hitCount(this.pending) }, 'tracking hits lost at shutdown');
      this.pending = [];
    }
  }
}

/**
 * Hands hit work to a thread with its own connection. Each piece carries a sequence number;
 * the thread publishes the last one applied in shared memory, which lets settle() wait without
 * the event loop, and tells exactly which work to do here should the thread stop.
 */
export class ThreadHitWriter implements HitWriter {
  private readonly progress = new Int32Array(new SharedArrayBuffer(2 * 4));
  private worker: Worker | undefined;
  private sequence = 0;
  private unconfirmed: (HitWork & { seq: number })[] = [];
  private closing = false;
  /** Set once the thread is gone: from then on this process writes for itself. */
  private fallback: InlineHitWriter | undefined;

  constructor(
    private readonly ctx: Context,
    /** The thread's script; another one only to prove what happens when a thread fails. */
    private readonly script?: URL,
  ) {}

  get where(): 'thread' | 'inline' {
    return this.fallback ? 'inline' : 'thread';
  }

  write(rows: HitRow[]): void {
    this.hand({ kind: 'hits', rows });
  }

  sweep(messageId: string, since: number, reason: string): void {
    this.hand({ kind: 'sweep', messageId, since, reason });
  }

  private hand(work: HitWork): void {
    if (!this.closing && Atomics.load(this.progress, STOPPED) !== 0) this.takeOver();
    if (this.fallback) {
      if (work.kind === 'hits') this.fallback.write(work.rows);
      else this.fallback.sweep(work.messageId, work.since, work.reason);
      return;
    }
    this.forgetApplied();
    // Wraps around safely: sequences are only ever compared by their difference.
    this.sequence = (this.sequence + 1) | 0;
    const piece = { ...work, seq: this.sequence };
    this.unconfirmed.push(piece);
    // While the thread closes, work waits here for close() to write it after the thread's.
    if (!this.closing) this.thread().postMessage(piece);
  }

  settle(): void {
    const deadline = Date.now() + PATIENCE_MS;
    while (!this.fallback) {
      const applied = Atomics.load(this.progress, STORED);
      if (((this.sequence - applied) | 0) <= 0) break;
      if (Atomics.load(this.progress, STOPPED) !== 0) {
        this.takeOver();
        break;
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        this.ctx.logger.warn(
          { waiting: hitCount(this.unconfirmed) },
          'hit writer thread is slow; stopped waiting for it',
        );
        break;
      }
      Atomics.wait(this.progress, STORED, applied, left);
    }
    this.forgetApplied();
    this.fallback?.settle();
  }

  retry(): void {
    // The thread retries by itself; only work taken over waits for this tick.
    this.fallback?.retry();
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const worker = this.worker;
    if (worker && !this.fallback) {
      const exited = new Promise<boolean>((done) => worker.once('exit', () => done(true)));
      worker.postMessage({ kind: 'close' });
      const inTime = await Promise.race([exited, sleep(PATIENCE_MS, false, { ref: false })]);
      if (!inTime) {
        this.ctx.logger.warn('hit writer thread did not finish in time; stopping it');
        await worker.terminate();
      }
    }
    // What the thread did not apply, it will not: it is written here, or reported lost.
    this.takeOver();
    await this.fallback?.close();
  }

  /** The thread, started with the first work, so that a process that records none has none. */
  private thread(): Worker {
    if (this.worker) return this.worker;
    const options: WorkerOptions = {
      // The thread runs plain JavaScript: none of the parent's loaders.
      execArgv: [],
      workerData: {
        file: resolve(this.ctx.sqlite.name),
        pragmas: CONNECTION_PRAGMAS,
        progress: this.progress,
      },
    };
    const worker = this.script
      ? new Worker(this.script, options)
      : new Worker(new URL('./hit-writer-thread.mjs', import.meta.url), options);
    // Buffered hits never keep a process alive by themselves; close() is what stores them.
    worker.unref();
    worker.on('message', (message: { kind: string; [key: string]: unknown }) => {
      if (message.kind === 'dropped') {
        const { messageId, error } = message;
        this.ctx.logger.error({ messageId, error }, 'tracking hit could not be stored');
      } else if (message.kind === 'retrying') {
        const { error, waiting } = message;
        this.ctx.logger.warn({ error, waiting }, 'database refused tracking hits; retrying');
      } else if (message.kind === 'failed') {
        this.ctx.logger.error({ error: message.error }, 'hit writer thread failed');
      }
    });
    worker.on('error', (error) => {
      this.ctx.logger.error({ err: error }, 'hit writer thread failed');
      if (!this.closing) this.takeOver();
    });
    worker.on('exit', () => {
      if (!this.closing) this.takeOver();
    });
    this.worker = worker;
    return worker;
  }

  private forgetApplied(): void {
    const applied = Atomics.load(this.progress, STORED);
    const first = this.unconfirmed[0];
    if (first && ((first.seq - applied) | 0) <= 0) {
      this.unconfirmed = this.unconfirmed.filter((work) => ((work.seq - applied) | 0) > 0);
    }
  }

  /** The thread is gone or going: what it had not applied, and all after, is done here. */
  private takeOver(): void {
    if (this.fallback) return;
    this.forgetApplied();
    if (!this.closing) this.ctx.logger.warn('writing tracking hits on the request thread');
    this.fallback = new InlineHitWriter(this.ctx);
    for (const work of this.unconfirmed) {
      if (work.kind === 'hits') this.fallback.write(work.rows);
      else this.fallback.sweep(work.messageId, work.since, work.reason);
    }
    this.unconfirmed = [];
  }
}
