import type { Context } from '../context';
import { suppressProspect } from '../prospects/suppression';
import { isMessageId } from './message-id';

interface MessageOwner {
  messageId: string;
  campaignId: number;
  variantId: number;
  prospectId: number;
  email: string;
  status: string;
}

function findMessage(ctx: Context, messageId: string): MessageOwner | undefined {
  if (!isMessageId(messageId)) return undefined;
  return ctx.sqlite
    .prepare(
      `SELECT m.id AS messageId, m.campaign_id AS campaignId, m.variant_id AS variantId,
              m.prospect_id AS prospectId, p.email, p.status
         FROM messages m JOIN prospects p ON p.id = m.prospect_id WHERE m.id = ?`,
    )
    .get(messageId) as MessageOwner | undefined;
}

/** Hides most of an address, so a forwarded email shows whose it is without spelling it out. */
export function maskEmail(email: string): string {
  const [local = '', domain = ''] = email.split('@');
  return `${local.slice(0, 1)}${'•'.repeat(Math.max(1, Math.min(local.length - 1, 6)))}@${domain}`;
}

export interface UnsubscribeView {
  maskedEmail: string;
  alreadyUnsubscribed: boolean;
}

/** What the confirmation page shows for a message, or undefined for no such message. */
export function describeUnsubscribe(ctx: Context, messageId: string): UnsubscribeView | undefined {
  const message = findMessage(ctx, messageId);
  if (!message) return undefined;
  return {
    maskedEmail: maskEmail(message.email),
    alreadyUnsubscribed: message.status === 'unsubscribed',
  };
}

/**
 * Unsubscribes the prospect a message was sent to, from every campaign. Safe to repeat: the
 * second call finds the prospect unsubscribed and records nothing new.
 */
export function unsubscribeByMessage(ctx: Context, messageId: string): boolean {
  const message = findMessage(ctx, messageId);
  if (!message) return false;

  ctx.sqlite
    .transaction(() => {
      const already = ctx.sqlite
        .prepare(`SELECT 1 FROM events WHERE message_id = ? AND type = 'unsubscribed'`)
        .get(messageId);
      if (!already) {
        ctx.sqlite
          .prepare(
            `INSERT INTO events (message_id, campaign_id, variant_id, type, occurred_at)
           VALUES (?, ?, ?, 'unsubscribed', ?)`,
          )
          .run(messageId, message.campaignId, message.variantId, ctx.clock().getTime());
      }
      suppressProspect(ctx, message.prospectId, 'unsubscribed');
    })
    .immediate();
  return true;
}
