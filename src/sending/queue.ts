import { randomBytes } from 'node:crypto';
import type { Context } from '../context';
import { MailerError, type Mailer, type OutgoingBatch } from './mailer';
import { substitutionsFor } from './placeholders';
import { campaignEmails, recipientValues, type ProspectFields } from './campaign-email';

export interface QueueSettings {
  /** Messages per provider request; SendGrid takes at most 1,000. */
  batchSize: number;
  /** Sends tried per message before it is marked failed. */
  maxAttempts: number;
  /** First retry delay; doubled per attempt, with jitter. */
  retryBaseMs: number;
}

/** Past the mailer's own time limit, a batch still in flight was lost with its worker. */
const LEASE_MARGIN_MS = 5_000;

interface ClaimedMessage extends ProspectFields {
  id: string;
}

export interface ClaimedBatch {
  batchId: string;
  campaignId: number;
  variantId: number;
  messages: ClaimedMessage[];
}

/** Campaign states in which queued messages go out. */
const SENDING_STATES = `('testing', 'decided', 'rolling_out')`;

/**
 * Takes up to batchSize due messages of one variant off the queue and records them as one
 * batch in flight, all in one transaction: two workers never take the same message.
 */
export function claimBatch(
  ctx: Context,
  mailer: Pick<Mailer, 'name' | 'timeoutMs'>,
  settings: QueueSettings,
): ClaimedBatch | undefined {
  return ctx.sqlite
    .transaction((): ClaimedBatch | undefined => {
      const now = ctx.clock().getTime();
      const findGroup = ctx.sqlite.prepare(
        `SELECT m.campaign_id AS campaignId, m.variant_id AS variantId FROM messages m
          WHERE m.status = 'queued' AND (m.next_attempt_at IS NULL OR m.next_attempt_at <= ?)
            AND m.campaign_id IN (SELECT id FROM campaigns WHERE status IN ${SENDING_STATES})
          LIMIT 1`,
      );
      const findDue = ctx.sqlite.prepare(
        `SELECT m.id, p.email, p.first_name, p.last_name, p.external_id, p.source,
                p.attributes, p.status AS prospect_status
           FROM messages m JOIN prospects p ON p.id = m.prospect_id
          WHERE m.status = 'queued' AND m.campaign_id = ? AND m.variant_id = ?
            AND (m.next_attempt_at IS NULL OR m.next_attempt_at <= ?)
          LIMIT ?`,
      );
      const cancel = ctx.sqlite.prepare(
        `UPDATE messages SET status = 'cancelled', error = 'prospect no longer emailed'
          WHERE id = ?`,
      );
      const take = ctx.sqlite.prepare(
        `UPDATE messages SET status = 'sending', batch_id = ?, attempts = attempts + 1
          WHERE id = ?`,
      );
      const batchId = randomBytes(12).toString('base64url');

      // A message whose prospect has since been suppressed is cancelled, not sent; should a
      // whole batch turn out that way, the next group is tried.
      for (;;) {
        const group = findGroup.get(now) as { campaignId: number; variantId: number } | undefined;
        if (!group) return undefined;
        const rows = findDue.all(
          group.campaignId,
          group.variantId,
          now,
          settings.batchSize,
        ) as (ClaimedMessage & { prospect_status: string })[];
        const messages: ClaimedMessage[] = [];
        for (const { prospect_status, ...row } of rows) {
          if (prospect_status !== 'active') cancel.run(row.id);
          else {
            take.run(batchId, row.id);
            messages.push(row);
          }
        }
        if (messages.length === 0) continue;

        ctx.sqlite
          .prepare(
            `INSERT INTO send_batches (id, campaign_id, variant_id, status, size, mailer,
               created_at, lease_until)
             VALUES (?, ?, ?, 'in_flight', ?, ?, ?, ?)`,
          )
          .run(
            batchId,
            group.campaignId,
            group.variantId,
            messages.length,
            mailer.name,
            now,
            now + mailer.timeoutMs + LEASE_MARGIN_MS,
          );
        return { batchId, ...group, messages };
      }
    })
    .immediate();
}

export function buildOutgoing(ctx: Context, claimed: ClaimedBatch): OutgoingBatch {
  const email = campaignEmails(ctx).forVariant(claimed.campaignId, claimed.variantId);
  return {
    batchId: claimed.batchId,
    campaignId: claimed.campaignId,
    from: email.from,
    replyTo: email.replyTo,
    subject: email.compiled.subject,
    html: email.compiled.html,
    text: email.compiled.text,
    recipients: claimed.messages.map((m) => ({
      messageId: m.id,
      email: m.email,
      name: [m.first_name, m.last_name].filter(Boolean).join(' ') || undefined,
      substitutions: substitutionsFor(
        recipientValues(m, m.id, email.compiled.fields, email.fieldDefaults),
      ),
      headers: {
        'List-Unsubscribe': `<${ctx.publicUrl}/t/u/${m.id}>`,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      },
    })),
  };
}

function retryDelay(settings: QueueSettings, attempts: number, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined) return retryAfterMs;
  const exponential = settings.retryBaseMs * 2 ** Math.max(0, attempts - 1);
  // Full jitter keeps many workers from coming back at the same moment.
  return Math.min(10 * 60_000, exponential * (0.5 + Math.random()));
}

/** Records what became of a batch: sent, back in the queue, failed, or unknown. */
export function settleBatch(
  ctx: Context,
  batchId: string,
  outcome: { providerMessageId?: string } | MailerError,
  settings: QueueSettings,
): void {
  const now = ctx.clock().getTime();
  const { sqlite } = ctx;
  // A batch whose lease ran out may already be settled as unknown by another worker; an
  // answer that arrives after that still wins for 'sent' (the provider did take it), and
  // changes nothing otherwise.
  const finish = sqlite.prepare(
    `UPDATE send_batches SET status = ?, finished_at = ?, provider_message_id = ?, error = ?
      WHERE id = ? AND status IN ('in_flight', 'unknown')`,
  );

  sqlite
    .transaction(() => {
      if (!(outcome instanceof MailerError)) {
        sqlite
          .prepare(
            `UPDATE messages SET status = 'sent', sent_at = ?, provider_message_id = ?, error = NULL
            WHERE batch_id = ? AND status IN ('sending', 'unknown')`,
          )
          .run(now, outcome.providerMessageId ?? null, batchId);
        finish.run('sent', now, outcome.providerMessageId ?? null, null, batchId);
        return;
      }

      if (outcome.kind === 'unknown') {
        sqlite
          .prepare(
            `UPDATE messages SET status = 'unknown', error = ?
            WHERE batch_id = ? AND status = 'sending'`,
          )
          .run(outcome.message, batchId);
        finish.run('unknown', now, null, outcome.message, batchId);
        return;
      }

      const inFlight = sqlite
        .prepare(`SELECT 1 FROM send_batches WHERE id = ? AND status = 'in_flight'`)
        .get(batchId);
      if (!inFlight) return;
      const rows = sqlite
        .prepare(`SELECT id, attempts FROM messages WHERE batch_id = ? AND status = 'sending'`)
        .all(batchId) as { id: string; attempts: number }[];
      const fail = sqlite.prepare(`UPDATE messages SET status = 'failed', error = ? WHERE id = ?`);
      const requeue = sqlite.prepare(
        `UPDATE messages SET status = 'queued', next_attempt_at = ?, error = ? WHERE id = ?`,
      );
      const attempts = rows[0]?.attempts ?? 1;
      const delay = retryDelay(settings, attempts, outcome.options.retryAfterMs);
      for (const row of rows) {
        if (outcome.kind === 'reject' || row.attempts >= settings.maxAttempts) {
          fail.run(outcome.message, row.id);
        } else {
          requeue.run(now + delay, outcome.message, row.id);
        }
      }
      finish.run(
        outcome.kind === 'reject' ? 'failed' : 'retry',
        now,
        null,
        outcome.message,
        batchId,
      );
    })
    .immediate();

  const level = outcome instanceof MailerError ? 'warn' : 'info';
  ctx.logger[level](
    {
      batchId,
      outcome: outcome instanceof MailerError ? outcome.kind : 'sent',
      error: outcome instanceof MailerError ? outcome.message : undefined,
    },
    'batch settled',
  );
}

/**
 * Settles batches whose worker died mid-request (their lease ran out). A mailer that can tell
 * which messages it delivered (the outbox) has those marked sent and the rest queued again.
 * Otherwise no one can know whether the provider took the request, so the messages are marked
 * unknown: sending them again could email people twice, dropping them could skip them, and
 * the marketer decides (resolveUnknownMessages), unless the provider's webhook settles them.
 */
export async function recoverLostBatches(ctx: Context, mailer: Mailer): Promise<number> {
  const now = ctx.clock().getTime();
  const lost = ctx.sqlite
    .prepare(
      `SELECT id, campaign_id AS campaignId, mailer FROM send_batches
        WHERE status = 'in_flight' AND lease_until < ?`,
    )
    .all(now) as { id: string; campaignId: number; mailer: string }[];

  for (const batch of lost) {
    const ids = ctx.sqlite
      .prepare(`SELECT id FROM messages WHERE batch_id = ? AND status = 'sending'`)
      .pluck()
      .all(batch.id) as string[];
    const delivered =
      mailer.delivered && batch.mailer === mailer.name
        ? await mailer.delivered(batch.campaignId, ids)
        : undefined;

    ctx.sqlite
      .transaction(() => {
        const claimed = ctx.sqlite
          .prepare(
            `UPDATE send_batches SET status = ?, finished_at = ?
            WHERE id = ? AND status = 'in_flight'`,
          )
          .run(delivered ? 'sent' : 'unknown', now, batch.id);
        // Another worker may have settled it meanwhile; then it is theirs.
        if (claimed.changes === 0) return;
        const mark = ctx.sqlite.prepare(
          `UPDATE messages SET status = ?, sent_at = ?, error = ?
          WHERE id = ? AND status = 'sending'`,
        );
        for (const id of ids) {
          if (!delivered) mark.run('unknown', null, 'in flight when its worker stopped', id);
          else if (delivered.has(id)) mark.run('sent', now, null, id);
          else mark.run('queued', null, null, id);
        }
      })
      .immediate();
    ctx.logger.warn(
      {
        batchId: batch.id,
        campaignId: batch.campaignId,
        resolved: delivered ? 'checked' : 'unknown',
      },
      'recovered a batch lost in flight',
    );
  }
  return lost.length;
}

/**
 * The marketer's answer for messages whose fate is unknown: send them again (accepting that
 * some people may get the email twice) or count them as sent.
 */
export function resolveUnknownMessages(
  ctx: Context,
  campaignId: number,
  action: 'resend' | 'sent',
): { resolved: number } {
  const now = ctx.clock().getTime();
  const result =
    action === 'resend'
      ? ctx.sqlite
          .prepare(
            `UPDATE messages SET status = 'queued', next_attempt_at = NULL, error = NULL
              WHERE campaign_id = ? AND status = 'unknown'`,
          )
          .run(campaignId)
      : ctx.sqlite
          .prepare(
            `UPDATE messages SET status = 'sent', sent_at = ?, error = NULL
              WHERE campaign_id = ? AND status = 'unknown'`,
          )
          .run(now, campaignId);
  ctx.logger.info({ campaignId, action, resolved: result.changes }, 'unknown messages resolved');
  return { resolved: result.changes };
}
