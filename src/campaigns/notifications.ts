import { randomBytes } from 'node:crypto';
import type { Context } from '../context';
import type { Mailer } from '../sending/mailer';
import { escapeHtml } from '../sending/placeholders';
import { signConversionBody } from '../tracking/conversion-signature';

export interface NotificationSettings {
  /** Receives a signed JSON POST for each notification. */
  url?: string;
  /** Receives an email for each notification, through the configured mailer. */
  email?: string;
}

export type NotificationEvent = 'verdict' | 'rollout_completed';

export interface Notification {
  event: NotificationEvent;
  campaignId: number;
  campaignName: string;
  /** One plain sentence for the marketer. */
  message: string;
  detail: Record<string, unknown>;
}

const ATTEMPTS = 3;
const TIMEOUT_MS = 10_000;

/**
 * Tells the marketer what the product did by itself: a signed webhook (the same signature as
 * conversion postbacks, so one verifier serves both) and an email. Sent in the background with
 * a few retries; a failure is logged and never stops the campaign.
 */
export class Notifier {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly ctx: Context,
    private readonly mailer: Mailer,
    private readonly settings: NotificationSettings,
  ) {}

  notify(notification: Notification): void {
    const { url, email } = this.settings;
    const track = (work: Promise<void>) => {
      this.pending.add(work);
      void work.finally(() => this.pending.delete(work));
    };
    if (url) track(this.post(url, notification));
    if (email) track(this.email(email, notification));
  }

  /** Waits for notifications on their way: on close, and in tests. */
  async settled(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  private async post(url: string, notification: Notification): Promise<void> {
    const body = JSON.stringify({ ...notification, sentAt: this.ctx.clock().toISOString() });
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      try {
        const signature = signConversionBody(this.ctx.secret, body, Date.now() / 1000);
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'leadsplit-signature': signature },
          body,
          signal: AbortSignal.timeout(TIMEOUT_MS),
        });
        if (res.ok) return;
        throw new Error(`answered ${res.status}`);
      } catch (error) {
        this.ctx.logger.warn(
          { err: error, attempt, event: notification.event, campaignId: notification.campaignId },
          'notification webhook failed',
        );
        if (attempt < ATTEMPTS) await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
      }
    }
  }

  private async email(to: string, notification: Notification): Promise<void> {
    const subject = `leadsplit: ${notification.campaignName}: ${
      notification.event === 'verdict' ? 'the test is decided' : 'the rollout is complete'
    }`;
    try {
      await this.mailer.send({
        batchId: randomBytes(12).toString('base64url'),
        campaignId: notification.campaignId,
        from: { email: this.ctx.sender.email, name: this.ctx.sender.name },
        subject,
        html: `<p>${escapeHtml(notification.message)}</p>`,
        text: notification.message,
        recipients: [
          {
            messageId: randomBytes(16).toString('base64url'),
            email: to,
            substitutions: {},
            headers: {},
          },
        ],
      });
    } catch (error) {
      this.ctx.logger.warn(
        { err: error, event: notification.event, campaignId: notification.campaignId },
        'notification email failed',
      );
    }
  }
}
