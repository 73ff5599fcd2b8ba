import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { conversionToken, messageIdFromToken } from '../../src/tracking/token';

const SECRET = 'a-secret-of-the-installation-0123456789';
const newId = () => randomBytes(16).toString('base64url');

describe('conversion tokens', () => {
  it('name the message they were made for', () => {
    const id = newId();
    const token = conversionToken(SECRET, id);

    expect(token).toMatch(/^[\w-]{22}\.[\w-]{16}$/);
    expect(token.startsWith(`${id}.`)).toBe(true);
    expect(messageIdFromToken(SECRET, token)).toBe(id);
  });

  it('differ from message to message and from secret to secret', () => {
    const [one, two] = [newId(), newId()];
    const macOf = (token: string) => token.split('.')[1];

    expect(macOf(conversionToken(SECRET, one))).not.toBe(macOf(conversionToken(SECRET, two)));
    expect(conversionToken(SECRET, one)).not.toBe(conversionToken(`${SECRET}!`, one));
  });

  it('are refused when made with another secret, altered, or not a token at all', () => {
    const id = newId();
    const token = conversionToken(SECRET, id);
    const [, mac] = token.split('.');
    const other = newId();
    const flipped = `${mac!.slice(0, -1)}${mac!.endsWith('A') ? 'B' : 'A'}`;

    expect(messageIdFromToken(`${SECRET}!`, token)).toBeUndefined();
    expect(messageIdFromToken(SECRET, `${other}.${mac}`)).toBeUndefined();
    expect(messageIdFromToken(SECRET, `${id}.${flipped}`)).toBeUndefined();
    expect(messageIdFromToken(SECRET, `${id}.${mac}.x`)).toBeUndefined();
    expect(messageIdFromToken(SECRET, `${id}.${mac!.slice(1)}`)).toBeUndefined();
    expect(messageIdFromToken(SECRET, id)).toBeUndefined();
    expect(messageIdFromToken(SECRET, `short.${mac}`)).toBeUndefined();
    expect(messageIdFromToken(SECRET, '')).toBeUndefined();
  });

  it('still accepts the HMAC-SHA256 tokens of earlier versions, already in inboxes', () => {
    const id = newId();
    const earlier = createHmac('sha256', SECRET)
      .update(`lsid:${id}`)
      .digest('base64url')
      .slice(0, 16);

    expect(messageIdFromToken(SECRET, `${id}.${earlier}`)).toBe(id);
    expect(messageIdFromToken(`${SECRET}!`, `${id}.${earlier}`)).toBeUndefined();
  });
});
