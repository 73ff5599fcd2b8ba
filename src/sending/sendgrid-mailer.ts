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

function retryAfterMs(headers: unknown): number | undefined {
  const value = (headers as Record<string, unknown> | undefined)?.['retry-after'];
  if (typeof value !== 'string') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * Sends through SendGrid's v3 mail/send with the official client: one request per batch, one
 * personalization per recipient, the shared body's placeholders filled in by substitution.
 * SendGrid's own click and open tracking are off, since leadsplit tracks both itself.
 */
export class SendGridMailer implements Mailer {
  readonly name = 'sendgrid';
  private readonly mail = new MailService();

  constructor(options: SendGridOptions) {
    const client = new Client();
    client.setApiKey(options.apiKey);
    if (options.apiUrl) client.setDefaultRequest('baseUrl', options.apiUrl);
    this.mail.setClient(client);
    this.mail.setTimeout(options.timeoutMs ?? 30_000);
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
