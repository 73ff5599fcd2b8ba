import { completeRolloutIfSent } from '../campaigns/rollout';
import type { Context } from '../context';
import { MailerError, type Mailer } from './mailer';
import {
  buildOutgoing,
  claimBatch,
  recoverLostBatches,
  settleBatch,
  type QueueSettings,
} from './queue';

export interface WorkerSettings extends QueueSettings {
  /** Messages per second across all campaigns. */
  ratePerSecond: number;
  /** Pause between looks at an empty queue. */
  idleMs: number;
}

export const DEFAULT_WORKER_SETTINGS: WorkerSettings = {
  batchSize: 1000,
  maxAttempts: 5,
  retryBaseMs: 2_000,
  ratePerSecond: 1000,
  idleMs: 500,
};

/** Sends the queue in the background, one batch at a time, at a bounded rate. */
export class SendWorker {
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private idle = false;

  constructor(
    private readonly ctx: Context,
    private readonly mailer: Mailer,
    private readonly settings: WorkerSettings,
  ) {}

  /**
   * Recovers batches lost by a dead worker, then sends one batch if one is due. Answers how
   * many messages it handed to the mailer.
   */
  async runOnce(): Promise<number> {
    await recoverLostBatches(this.ctx, this.mailer);
    const claimed = claimBatch(this.ctx, this.mailer, this.settings);
    if (!claimed) return 0;

    let outcome: { providerMessageId?: string } | MailerError;
    try {
      outcome = await this.mailer.send(buildOutgoing(this.ctx, claimed));
    } catch (error) {
      // A mailer says what it knows with a MailerError; anything else failed before the
      // provider could act on it (a template or disk fault), so the batch may be tried again.
      outcome =
        error instanceof MailerError
          ? error
          : new MailerError('retry', error instanceof Error ? error.message : String(error));
    }
    settleBatch(this.ctx, claimed.batchId, outcome, this.settings);
    completeRolloutIfSent(this.ctx, claimed.campaignId);
    return claimed.messages.length;
  }

  /** Sends until nothing is due. For tests and the command line. */
  async drain(): Promise<number> {
    let total = 0;
    for (let sent; (sent = await this.runOnce()) > 0;) total += sent;
    return total;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Lets the batch in flight finish, then stops. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  /** Looks at the queue now instead of after the idle pause (after a launch, say). */
  poke(): void {
    if (this.idle) this.wake?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      const started = Date.now();
      let sent = 0;
      try {
        sent = await this.runOnce();
      } catch (error) {
        this.ctx.logger.error({ err: error }, 'send worker failed a round');
      }
      if (!this.running) break;
      const pause =
        sent > 0
          ? (sent / this.settings.ratePerSecond) * 1000 - (Date.now() - started)
          : this.settings.idleMs;
      if (pause > 0) {
        this.idle = sent === 0;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, pause);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = undefined;
        this.idle = false;
      }
    }
  }
}
