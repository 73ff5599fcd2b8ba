import { createHash, createHmac, hash, timingSafeEqual } from 'node:crypto';
import { isMessageId } from './message-id';

// A conversion token is the message id and a MAC of it under the installation's secret:
// it names the message, and nobody without the secret can make one for another message.
// TODO: the token shows the message id itself, which is also the key of the message's
// tracking and unsubscribe links, so whoever sees a landing page's address (its analytics,
// its logs) can unsubscribe that prospect. Encrypting the id would keep it private.
// TODO: only the current secret makes and reads tokens, so changing it turns every token in
// emails already sent unreadable; accepting previous secrets for reading would bridge that.
const MAC_LENGTH = 16;

/** Each secret's MAC key, derived once: a click makes a token, and it must stay cheap. */
const macKeys = new Map<string, string>();

function macKey(secret: string): string {
  let key = macKeys.get(secret);
  if (key === undefined) {
    key = createHash('sha256').update(`leadsplit lsid key:${secret}`).digest('base64url');
    if (macKeys.size > 16) macKeys.clear();
    macKeys.set(secret, key);
  }
  return key;
}

/**
 * SHA-256 of a secret key followed by the message id, cut to 96 bits: a sound MAC here because
 * every message id has the same length and the digest is cut, which leaves the hash's length
 * extension nothing to extend; it costs a fifth of an HMAC, on every click.
 */
function mac(secret: string, messageId: string): string {
  return hash('sha256', macKey(secret) + messageId, 'base64url').slice(0, MAC_LENGTH);
}

/** The MAC of the tokens made before: HMAC-SHA256, still honoured for tokens already sent. */
function legacyMac(secret: string, messageId: string): string {
  return createHmac('sha256', secret)
    .update(`lsid:${messageId}`)
    .digest('base64url')
    .slice(0, MAC_LENGTH);
}

/** The token a click carries to the destination as `lsid`. */
export function conversionToken(secret: string, messageId: string): string {
  return `${messageId}.${mac(secret, messageId)}`;
}

const sameText = (a: string, b: string) => {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
};

/** The message a token names, or undefined when it is not a token this installation made. */
export function messageIdFromToken(secret: string, token: string): string | undefined {
  const [messageId, given, ...rest] = token.split('.');
  if (rest.length > 0 || !messageId || !given || !isMessageId(messageId)) return undefined;
  if (sameText(given, mac(secret, messageId))) return messageId;
  if (sameText(given, legacyMac(secret, messageId))) return messageId;
  return undefined;
}
