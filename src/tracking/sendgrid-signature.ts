import eventwebhook from '@sendgrid/eventwebhook';

const { EventWebhook } = eventwebhook;

export const SIGNATURE_HEADER = 'X-Twilio-Email-Event-Webhook-Signature';
export const TIMESTAMP_HEADER = 'X-Twilio-Email-Event-Webhook-Timestamp';

/** A signed batch older than this is refused, so a captured request cannot be replayed later. */
const MAX_AGE_MS = 10 * 60_000;
/** Some clock drift between SendGrid and this machine is normal; more is not. */
const MAX_AHEAD_MS = 5 * 60_000;

export type SignatureProblem = 'missing' | 'malformed' | 'stale' | 'future' | 'mismatch';

export const signatureProblemMessages: Record<SignatureProblem, string> = {
  missing: `The ${SIGNATURE_HEADER} and ${TIMESTAMP_HEADER} headers are required.`,
  malformed: 'The webhook signature or timestamp is not in the form SendGrid sends.',
  stale: 'The webhook timestamp is more than 10 minutes old.',
  future: 'The webhook timestamp lies in the future; check the server clock.',
  mismatch: 'The webhook signature does not match the body.',
};

export interface SignedBatch {
  /** The body exactly as received: the signature covers these bytes. */
  payload: Buffer;
  signature: string | undefined;
  timestamp: string | undefined;
}

/**
 * Builds the check of SendGrid's signed event webhook for the verification key shown in
 * SendGrid's Mail Settings (base64 DER, or PEM). A key that cannot be read throws at once, so
 * a bad setting fails at start-up instead of refusing every event later.
 */
export function sendgridSignatureCheck(
  publicKey: string,
): (batch: SignedBatch, now: Date) => SignatureProblem | undefined {
  const webhook = new EventWebhook();
  const key = readPublicKey(webhook, publicKey);

  return ({ payload, signature, timestamp }, now) => {
    if (!signature || !timestamp) return 'missing';
    if (!/^\d{1,12}$/.test(timestamp) || !/^[A-Za-z0-9+/]{16,200}={0,2}$/.test(signature)) {
      return 'malformed';
    }

    // Checked before the signature: it is cheap, and a replayed batch is refused either way.
    const age = now.getTime() - Number(timestamp) * 1000;
    if (age > MAX_AGE_MS) return 'stale';
    if (-age > MAX_AHEAD_MS) return 'future';

    try {
      return webhook.verifySignature(key, payload, signature, timestamp) ? undefined : 'mismatch';
    } catch {
      // The library throws on a signature that is base64 but not a DER-encoded ECDSA one.
      return 'mismatch';
    }
  };
}

function readPublicKey(webhook: InstanceType<typeof EventWebhook>, publicKey: string) {
  try {
    return webhook.convertPublicKeyToECDSA(publicKey.trim());
  } catch (error) {
    throw new Error('The SendGrid webhook public key is not a readable ECDSA public key.', {
      cause: error,
    });
  }
}
