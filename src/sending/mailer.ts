/** One recipient of a batch, with the values that fill the shared body's placeholders. */
export interface OutgoingRecipient {
  messageId: string;
  email: string;
  name?: string;
  /** Placeholder name -> value, as built by substitutionsFor. */
  substitutions: Record<string, string>;
  /** Headers of this recipient's message (List-Unsubscribe differs per message). */
  headers: Record<string, string>;
}

/** Up to 1,000 messages of one variant: one body, many recipients. */
export interface OutgoingBatch {
  /** Unique per batch; travels with the request so a batch can be recognised afterwards. */
  batchId: string;
  campaignId: number;
  from: { email: string; name?: string };
  replyTo?: string;
  subject: string;
  html: string;
  text: string;
  recipients: OutgoingRecipient[];
}

export interface SendResult {
  /** The provider's id for the request, when it gives one. */
  providerMessageId?: string;
}

/**
 * Why a send did not go through, and what the queue should do about it:
 * - retry: nothing was sent (rate limit, provider fault); try again later.
 * - reject: the provider refused the request for good; retrying would not help.
 * - unknown: the request may or may not have reached the provider (a timeout, a connection
 *   cut mid-request); sending again could email people twice.
 */
export class MailerError extends Error {
  constructor(
    readonly kind: 'retry' | 'reject' | 'unknown',
    message: string,
    readonly options: { status?: number; retryAfterMs?: number } = {},
  ) {
    super(message);
    this.name = 'MailerError';
  }
}

export interface Mailer {
  /** Short name stored with each batch: outbox, sendgrid. */
  readonly name: string;
  /** The longest one send may take; a batch in flight longer than this was lost. */
  readonly timeoutMs: number;
  send(batch: OutgoingBatch): Promise<SendResult>;
  /**
   * Which of these messages were delivered, for a mailer that can tell. The queue asks after
   * a crash about batches that were in flight; a mailer without it leaves them `unknown`.
   */
  delivered?(campaignId: number, messageIds: string[]): Promise<Set<string>>;
}
