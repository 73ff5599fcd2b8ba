import { z } from 'zod';
import type { Context } from '../context';
import type { Sqlite } from '../db';
import { AppError } from '../errors';
import { suppressProspect, type SuppressionStatus } from '../prospects/suppression';
import { clickMachineReason, openMachineReason } from './machine-filter';

/**
 * What SendGrid's event types mean to leadsplit: the `events` type each is recorded as, or
 * null for a type that only tells us the provider took the message. Anything else is kept
 * in webhook_events and goes no further.
 */
const EVENT_TYPES = new Map<string, string | null>([
  ['processed', null],
  ['deferred', null],
  ['delivered', 'delivered'],
  ['bounce', 'bounced'],
  ['dropped', 'dropped'],
  ['spamreport', 'complained'],
  ['unsubscribe', 'unsubscribed'],
  ['group_unsubscribe', 'unsubscribed'],
  ['open', 'opened'],
  ['click', 'clicked'],
]);

// A field of the wrong type is treated as absent rather than spoiling the whole event.
const optionalString = (max: number) => z.string().max(max).optional().catch(undefined);

/** The fields leadsplit reads; SendGrid adds its own and copies our custom args beside them. */
const sendgridEvent = z.looseObject({
  sg_event_id: z.string().min(1).max(200),
  event: z.string().min(1).max(64),
  // Seconds since the epoch; the bound refuses milliseconds sent by mistake.
  timestamp: z.number().nonnegative().max(1e11),
  message_id: optionalString(200),
  batch_id: optionalString(200),
  type: optionalString(64),
  reason: optionalString(2000),
  useragent: optionalString(2000),
  sg_machine_open: z.boolean().optional().catch(undefined),
});

type SendgridEvent = z.infer<typeof sendgridEvent>;

export interface SendgridEventsResult {
  /** Events new to leadsplit, each now kept in webhook_events. */
  stored: number;
  /** Events already received (SendGrid retries a batch it got no 2xx for). */
  duplicates: number;
  /** Of those stored, the ones leadsplit takes nothing from: an unknown type or message. */
  ignored: number;
  /** Entries that are not events at all, skipped. stored + duplicates + malformed = all. */
  malformed: number;
}

/**
 * Reads a webhook body: it must be a JSON array (of events, judged one by one later).
 * An empty or unreadable body is refused whole with a 400.
 */
export function parseSendgridEventBatch(body: Buffer): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new AppError(400, 'invalid_json', 'The body is not valid JSON.');
  }
  if (!Array.isArray(parsed)) {
    throw new AppError(400, 'invalid_events', 'The body must be a JSON array of events.');
  }
  return parsed;
}

interface MessageRow {
  id: string;
  campaignId: number;
  variantId: number;
  prospectId: number;
  status: string;
  batchId: string | null;
  sentAt: number | null;
  deliveredAt: number | null;
}

const statementsBySqlite = new WeakMap<Sqlite, ReturnType<typeof prepareStatements>>();

function prepareStatements(sqlite: Sqlite) {
  return {
    insertRaw: sqlite.prepare(
      `INSERT INTO webhook_events
         (provider, provider_event_id, type, message_id, occurred_at, received_at, payload)
       VALUES ('sendgrid', ?, ?, ?, ?, ?, ?)
       ON CONFLICT (provider, provider_event_id) DO NOTHING`,
    ),
    findMessage: sqlite.prepare(
      `SELECT id, campaign_id AS campaignId, variant_id AS variantId,
              prospect_id AS prospectId, status, batch_id AS batchId, sent_at AS sentAt,
              delivered_at AS deliveredAt
         FROM messages WHERE id = ?`,
    ),
    recordDelivery: sqlite.prepare(
      `UPDATE messages SET delivered_at = ? WHERE id = ?
          AND (delivered_at IS NULL OR delivered_at > ?)`,
    ),
    insertEvent: sqlite.prepare(
      `INSERT INTO events (message_id, campaign_id, variant_id, type, occurred_at, link_key,
                           user_agent, ip_hash, machine, machine_reason, provider_event_id)
       VALUES (?, ?, ?, ?, ?, NULL, ?, NULL, ?, ?, ?)
       ON CONFLICT DO NOTHING`,
    ),
    confirmMessage: sqlite.prepare(
      `UPDATE messages SET status = 'sent', sent_at = coalesce(sent_at, ?), error = NULL
        WHERE id = ? AND status IN ('unknown', 'sending')`,
    ),
    confirmBatchMessages: sqlite.prepare(
      `UPDATE messages SET status = 'sent', sent_at = coalesce(sent_at, ?), error = NULL
        WHERE batch_id = ? AND status IN ('unknown', 'sending')`,
    ),
    // Only a batch settled as unknown: one still in flight belongs to the worker sending it.
    confirmBatch: sqlite.prepare(
      `UPDATE send_batches SET status = 'sent', error = NULL
        WHERE id = ? AND status = 'unknown'`,
    ),
  };
}

function statementsFor(sqlite: Sqlite) {
  let statements = statementsBySqlite.get(sqlite);
  if (!statements) {
    statements = prepareStatements(sqlite);
    statementsBySqlite.set(sqlite, statements);
  }
  return statements;
}

/** The suppression an event calls for, if any. */
function suppressionFor(event: SendgridEvent): SuppressionStatus | undefined {
  switch (event.event) {
    case 'bounce':
      // A block is the receiving server refusing for now (reputation, content), not a dead address.
      return event.type === 'blocked' ? undefined : 'bounced';
    case 'dropped':
      return suppressionForDrop(event.reason ?? '');
    case 'spamreport':
      return 'complained';
    case 'unsubscribe':
    case 'group_unsubscribe':
      return 'unsubscribed';
    default:
      return undefined;
  }
}

/**
 * SendGrid drops a message when its own lists already know the address: "Bounced Address",
 * "Invalid", "Spam Reporting Address", "Unsubscribed Address". Other reasons ("Invalid SMTPAPI
 * header", "Spam Content") are about the message, not the person, and suppress nothing.
 */
function suppressionForDrop(reason: string): SuppressionStatus | undefined {
  if (/bounced address|^invalid$|invalid (email )?address/i.test(reason.trim())) return 'bounced';
  if (/spam reporting address/i.test(reason)) return 'complained';
  if (/unsubscribed address/i.test(reason)) return 'unsubscribed';
  return undefined;
}

/**
 * Records a batch of SendGrid events in one transaction: each new event raw in webhook_events
 * (a retried one is recognised by its sg_event_id and skipped), the ones about a known message
 * also in `events`; bounces, complaints and unsubscribes suppress the prospect. Any event
 * about a message whose send was left unknown or unfinished proves SendGrid took the request
 * that carried it, so that message and the rest of its batch are marked sent.
 */
export function recordSendgridEvents(ctx: Context, events: unknown[]): SendgridEventsResult {
  const statements = statementsFor(ctx.sqlite);
  const receivedAt = ctx.clock().getTime();
  const result: SendgridEventsResult = { stored: 0, duplicates: 0, ignored: 0, malformed: 0 };
  const malformedAt: number[] = [];

  ctx.sqlite
    .transaction(() => {
      events.forEach((raw, index) => {
        const parsed = sendgridEvent.safeParse(raw);
        if (!parsed.success) {
          result.malformed++;
          malformedAt.push(index);
          return;
        }
        const event = parsed.data;
        const occurredAt = Math.round(event.timestamp * 1000);

        const { changes } = statements.insertRaw.run(
          event.sg_event_id,
          event.event,
          event.message_id ?? null,
          occurredAt,
          receivedAt,
          JSON.stringify(raw),
        );
        if (changes === 0) {
          result.duplicates++;
          return;
        }
        result.stored++;

        if (!applyEvent(ctx, statements, event, occurredAt)) result.ignored++;
      });
    })
    .immediate();

  if (result.malformed > 0) {
    ctx.logger.warn(
      { malformed: result.malformed, indexes: malformedAt.slice(0, 20) },
      'sendgrid webhook batch held malformed events',
    );
  }
  ctx.logger.info({ received: events.length, ...result }, 'sendgrid events recorded');
  return result;
}

/** Carries one new event past webhook_events; false when it is of no use to leadsplit. */
function applyEvent(
  ctx: Context,
  statements: ReturnType<typeof prepareStatements>,
  event: SendgridEvent,
  occurredAt: number,
): boolean {
  const type = EVENT_TYPES.get(event.event);
  if (type === undefined || !event.message_id) return false;
  const message = statements.findMessage.get(event.message_id) as MessageRow | undefined;
  if (!message) return false;

  if (message.status === 'unknown' || message.status === 'sending') {
    statements.confirmMessage.run(occurredAt, message.id);
    // The batch is the one the message was stored with, never one an event names: a forged
    // event cannot settle someone else's batch.
    if (message.batchId) {
      statements.confirmBatchMessages.run(occurredAt, message.batchId);
      statements.confirmBatch.run(message.batchId);
    }
    ctx.logger.info(
      { messageId: message.id, batchId: message.batchId, event: event.event },
      'provider event confirmed a send',
    );
  }

  // The click rules time a click from the email's arrival: the first delivery reported.
  if (type === 'delivered') statements.recordDelivery.run(occurredAt, message.id, occurredAt);

  if (type !== null) {
    const arrivedAt = message.deliveredAt ?? message.sentAt;
    const reason = machineReason(event, occurredAt, arrivedAt);
    statements.insertEvent.run(
      message.id,
      message.campaignId,
      message.variantId,
      type,
      occurredAt,
      event.useragent?.slice(0, 512) ?? null,
      reason === null ? 0 : 1,
      reason,
      event.sg_event_id,
    );
  }

  const suppression = suppressionFor(event);
  if (suppression) suppressProspect(ctx, message.prospectId, suppression);
  return true;
}

/**
 * Opens and clicks SendGrid reports are judged by the same rules as leadsplit's own hits. The
 * every-link rule is left out: SendGrid names the address clicked, not one of our link keys.
 */
function machineReason(event: SendgridEvent, at: number, arrivedAt: number | null): string | null {
  const facts = { userAgent: event.useragent, reportedByProvider: true };
  if (event.event === 'open') {
    return openMachineReason({ ...facts, providerMachineOpen: event.sg_machine_open });
  }
  if (event.event === 'click') return clickMachineReason({ ...facts, at, arrivedAt });
  return null;
}
