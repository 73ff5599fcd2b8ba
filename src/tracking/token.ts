import { createHmac, timingSafeEqual } from 'node:crypto';
import { isMessageId } from './message-id';

// A conversion token is the message id and a MAC of it under the installation's secret:
// it names the message, and nobody without the secret can make one for another message.
const MAC_LENGTH = 16;

function mac(secret: string, messageId: string): string {
  return createHmac('sha256', secret)
    .update(`lsid:${messageId}`)
    .digest('base64url')
    .slice(0, MAC_LENGTH);
}

/** The token a click carries to the destination as `lsid`. */
export function conversionToken(secret: string, messageId: string): string {
  return `${messageId}.${mac(secret, messageId)}`;
}

/** The message a token names, or undefined when it is not a token this installation made. */
export function messageIdFromToken(secret: string, token: string): string | undefined {
  const [messageId, given, ...rest] = token.split('.');
  if (rest.length > 0 || !messageId || !given || !isMessageId(messageId)) return undefined;
  const expected = Buffer.from(mac(secret, messageId));
  const candidate = Buffer.from(given);
  if (candidate.length !== expected.length || !timingSafeEqual(candidate, expected)) {
    return undefined;
  }
  return messageId;
}
