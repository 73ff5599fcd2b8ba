import { randomBytes } from 'node:crypto';
import type { Context } from '../context';
import { decideWhenDue } from './decision';

export interface SchedulerSettings {
  /** How often a testing campaign is looked at for a final verdict. */
  checkEveryMs: number;
  /** How long one run of a job may hold it. */
  leaseMs: number;
  /** Pause between looks at the job table. */
  pollMs: number;
}

export const DEFAULT_SCHEDULER_SETTINGS: SchedulerSettings = {
  checkEveryMs: 3_600_000,
  leaseMs: 60_000,
  pollMs: 5_000,
};

interface JobRow {
  id: number;
  kind: string;
  campaignId: number;
  attempts: number;
}

/** Schedules the decision of a campaign that just launched: a first look now. */
export function scheduleDecision(ctx: Context, campaignId: number): void {
  ctx.sqlite
    .prepare(
      `INSERT INTO jobs (kind, campaign_id, due_at, created_at) VALUES ('decide', ?, ?, ?)
       ON CONFLICT DO NOTHING`,
    )
    .run(campaignId, ctx.clock().getTime(), ctx.clock().getTime());
}

/**
 * Runs due jobs under a lease. Claiming is one UPDATE in an immediate transaction, so of two
 * processes on one database exactly one gets each job; a job whose runner died is taken again
 * once its lease has run out.
 */
export class Scheduler {
  private readonly owner = randomBytes(8).toString('hex');
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: Context,
    private readonly settings: SchedulerSettings,
  ) {}

  private claim(): JobRow | undefined {
    const now = this.ctx.clock().getTime();
    return this.ctx.sqlite
      .transaction(
        () =>
          this.ctx.sqlite
            .prepare(
              `UPDATE jobs SET lease_owner = ?, lease_until = ?, attempts = attempts + 1
                WHERE id = (SELECT id FROM jobs
                             WHERE done_at IS NULL AND due_at <= ?
                               AND (lease_until IS NULL OR lease_until < ?)
                             ORDER BY due_at LIMIT 1)
               RETURNING id, kind, campaign_id AS campaignId, attempts`,
            )
            .get(this.owner, now + this.settings.leaseMs, now, now) as JobRow | undefined,
      )
      .immediate();
  }

  private run(job: JobRow): void {
    const now = () => this.ctx.clock().getTime();
    const finish = this.ctx.sqlite.prepare(
      `UPDATE jobs SET done_at = ?, lease_owner = NULL, lease_until = NULL, last_error = NULL
        WHERE id = ? AND lease_owner = ?`,
    );
    const later = this.ctx.sqlite.prepare(
      `UPDATE jobs SET due_at = ?, lease_owner = NULL, lease_until = NULL, last_error = ?
        WHERE id = ? AND lease_owner = ?`,
    );
    try {
      if (job.kind !== 'decide') throw new Error(`no job kind "${job.kind}"`);
      const step = decideWhenDue(this.ctx, job.campaignId, this.settings.checkEveryMs);
      if (step.done) finish.run(now(), job.id, this.owner);
      else later.run(step.nextAt, null, job.id, this.owner);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const backoff = Math.min(3_600_000, 30_000 * 2 ** Math.min(job.attempts, 7));
      later.run(now() + backoff, message, job.id, this.owner);
      this.ctx.logger.error(
        { err: error, jobId: job.id, campaignId: job.campaignId },
        'job failed',
      );
    }
  }

  /** Runs every job that is due now; answers how many ran. */
  runDue(): number {
    let ran = 0;
    for (let job; (job = this.claim()); ran++) this.run(job);
    return ran;
  }

  start(): void {
    if (this.timer) return;
    const tick = () => {
      try {
        this.runDue();
      } catch (error) {
        this.ctx.logger.error({ err: error }, 'scheduler round failed');
      }
    };
    tick();
    this.timer = setInterval(tick, this.settings.pollMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
