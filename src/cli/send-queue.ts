import type { Sqlite } from '../db';
import type { Leadsplit } from '../index';
import type { Io } from './command';
import { progressBar } from './progress';

export interface SendSummary {
  mailer: string;
  /** Emails the mailer took during this run. */
  sent: number;
  /** Emails the mailer refused for good, or that ran out of attempts. */
  failed: number;
  /** Emails whose send may or may not have happened (a timeout mid-request). */
  unknown: number;
  /** Emails still queued: a retry later, or a paused campaign's. */
  waiting: number;
  /** Stopped early by Ctrl-C, after the batch that was on its way. */
  interrupted: boolean;
}

/** Messages by status over every campaign, from the counts the triggers keep. */
function statusTotals(sqlite: Sqlite): Record<string, number> {
  const rows = sqlite
    .prepare(
      `SELECT substr(metric, 8) AS status, total(value) AS n FROM funnel_counts
        WHERE metric LIKE 'status:%' GROUP BY metric`,
    )
    .all() as { status: string; n: number }[];
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/** Queued emails the worker would take now: the bar's length. */
function countDue(sqlite: Sqlite, now: number): number {
  return sqlite
    .prepare(
      `SELECT count(*) FROM messages
        WHERE status = 'queued' AND (next_attempt_at IS NULL OR next_attempt_at <= ?)
          AND campaign_id IN (SELECT id FROM campaigns
                               WHERE status IN ('testing', 'decided', 'rolling_out'))`,
    )
    .pluck()
    .get(now) as number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends every email that is due, batch by batch, at the configured rate, as the server's
 * worker would; a rollout whose last email goes out completes its campaign on the way.
 * Ctrl-C stops after the batch in flight, so no email is left half-sent.
 */
export async function sendQueue(
  leadsplit: Leadsplit,
  ratePerSecond: number,
  io: Io,
): Promise<SendSummary> {
  const { sqlite, clock } = leadsplit.context;
  const before = statusTotals(sqlite);
  const bar = progressBar(io, 'Sending', countDue(sqlite, clock().getTime()), 'emails');

  let interrupted = false;
  const interrupt = () => {
    interrupted = true;
    io.stderr.write('\nStopping after the batch on its way (Ctrl-C again to quit at once).\n');
  };
  process.once('SIGINT', interrupt);
  try {
    for (let handed = 0; !interrupted;) {
      const started = Date.now();
      const taken = await leadsplit.worker.runOnce();
      if (taken === 0) break;
      handed += taken;
      bar.update(handed);
      const pause = (taken / ratePerSecond) * 1000 - (Date.now() - started);
      if (pause > 0) await sleep(pause);
    }
  } finally {
    bar.stop();
    process.removeListener('SIGINT', interrupt);
  }

  const after = statusTotals(sqlite);
  const delta = (status: string) => Math.max(0, (after[status] ?? 0) - (before[status] ?? 0));
  return {
    mailer: leadsplit.mailer.name,
    sent: delta('sent'),
    failed: delta('failed'),
    unknown: delta('unknown'),
    waiting: after.queued ?? 0,
    interrupted,
  };
}

/** One line about a send, for people. */
export function describeSend(summary: SendSummary): string {
  const parts = [`Sent ${summary.sent.toLocaleString('en')} emails (${summary.mailer} mailer).`];
  if (summary.failed > 0) parts.push(`${summary.failed} failed.`);
  if (summary.unknown > 0) {
    parts.push(`${summary.unknown} may or may not have gone out (see the dashboard).`);
  }
  if (summary.waiting > 0) {
    parts.push(`${summary.waiting} still queued: run \`leadsplit send\` again later.`);
  }
  if (summary.interrupted) parts.push('Stopped early.');
  return parts.join(' ');
}
