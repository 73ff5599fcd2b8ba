import { Client } from '@sendgrid/client';
import { MailService, type MailDataRequired } from '@sendgrid/mail';
import { WRAP_LEFT, WRAP_RIGHT } from './placeholders';
import { MailerError, type Mailer, type OutgoingBatch, type SendResult } from './mailer';

export interface SendGridOptions {
  apiKey: string;
  /** The API base, for tests and staging; SendGrid's own when absent. */
  apiUrl?: string;
  /** How long one request may take before its outcome counts as unknown. */
  timeoutMs?: number;
}

/** Network failures that happen before a request leaves this machine: nothing was sent. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

/**
 * How long a 429 asks to wait: Retry-After (seconds or a date) when given, else SendGrid's
 * X-RateLimit-Reset (the epoch second when the limit resets).
 */
function retryAfterMs(headers: unknown): number | undefined {
  const all = (headers ?? {}) as Record<string, unknown>;
  const retryAfter = all['retry-after'];
  if (typeof retryAfter === 'string') {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - Date.now());
  }
  const reset = Number(all['x-ratelimit-reset']);
  return Number.isFinite(reset) && reset > 0 ? Math.max(0, reset * 1000 - Date.now()) : undefined;
}

/**
 * Sends through SendGrid's v3 mail/send with the official client: one request per batch, one
 * personalization per recipient, the shared body's placeholders filled in by substitution.
 * SendGrid's own click and open tracking are off, since leadsplit tracks both itself.
 */
export class SendGridMailer implements Mailer {
  readonly name = 'sendgrid';
  readonly timeoutMs: number;
  private readonly mail = new MailService();

  constructor(options: SendGridOptions) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    const client = new Client();
    client.setApiKey(options.apiKey);
    if (options.apiUrl) client.setDefaultRequest('baseUrl', options.apiUrl);
    this.mail.setClient(client);
    this.mail.setTimeout(this.timeoutMs);
    this.mail.setSubstitutionWrappers(WRAP_LEFT, WRAP_RIGHT);
  }

  async send(batch: OutgoingBatch): Promise<SendResult> {
    const request: MailDataRequired = {
      from: { email: batch.from.email, name: batch.from.name },
      replyTo: batch.replyTo,
      subject: batch.subject,
      content: [
        { type: 'text/plain', value: batch.text },
        { type: 'text/html', value: batch.html },
      ],
      personalizations: batch.recipients.map((r) => ({
        to: [{ email: r.email, name: r.name }],
        substitutions: r.substitutions,
        headers: r.headers,
        customArgs: { message_id: r.messageId },
      })),
      customArgs: { campaign_id: String(batch.campaignId), batch_id: batch.batchId },
      trackingSettings: {
        clickTracking: { enable: false, enableText: false },
        openTracking: { enable: false },
      },
    };

    try {
      const [response] = await this.mail.send(request);
      const id = (response.headers as Record<string, unknown>)['x-message-id'];
      return { providerMessageId: typeof id === 'string' ? id : undefined };
    } catch (error) {
      throw this.classify(error);
    }
  }

  private classify(error: unknown): MailerError {
    const e = error as {
      code?: number | string;
      message?: string;
      response?: { headers?: unknown; body?: { errors?: { message?: string }[] } };
    };
    if (typeof e.code === 'number') {
      const status = e.code;
      const reason =
        e.response?.body?.errors?.map((x) => x.message).join('; ') || e.message || 'refused';
      if (status === 429 || status >= 500) {
        return new MailerError('retry', `SendGrid answered ${status}: ${reason}`, {
          status,
          retryAfterMs: retryAfterMs(e.response?.headers),
        });
      }
      return new MailerError('reject', `SendGrid answered ${status}: ${reason}`, { status });
    }
    const code = typeof e.code === 'string' ? e.code : 'unknown';
    if (NOT_SENT.has(code)) {
      return new MailerError('retry', `SendGrid could not be reached (${code})`);
    }
    return new MailerError('unknown', `The request to SendGrid ended without an answer (${code})`);
  }
}
