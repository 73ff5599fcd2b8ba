import { createHmac, timingSafeEqual } from 'node:crypto';

export const CONVERSION_SIGNATURE_HEADER = 'Leadsplit-Signature';

/**
 * How far the signed time may lie from this machine's clock, either way. Short enough that a
 * captured request cannot be replayed later (and a replay inside the window is stopped by the
 * idempotency key), long enough for ordinary clock drift and a slow retry.
 */
export const SIGNATURE_TOLERANCE_SECONDS = 5 * 60;

export type ConversionSignatureProblem = 'missing' | 'malformed' | 'stale' | 'mismatch';

export const conversionSignatureMessages: Record<ConversionSignatureProblem, string> = {
  missing: `The ${CONVERSION_SIGNATURE_HEADER} header is required: t=<unix seconds>,v1=<hex>.`,
  malformed: `The ${CONVERSION_SIGNATURE_HEADER} header must read t=<unix seconds>,v1=<64 hex>.`,
  stale:
    'The signature time is more than 5 minutes away from the server clock; sign each request ' +
    'when it is sent, and check the sending machine’s clock.',
  mismatch:
    'The signature does not match the body. Sign "<t>.<body>" with HMAC-SHA256 under the ' +
    'installation secret, over the exact bytes sent.',
};

const hmac = (secret: string, timestamp: string, body: Buffer) =>
  createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest();

/** The header value for a body, as a sender computes it; used by tests and the docs' example. */
export function signConversionBody(
  secret: string,
  body: Buffer | string,
  timestampSeconds: number,
): string {
  const t = String(Math.floor(timestampSeconds));
  return `t=${t},v1=${hmac(secret, t, Buffer.from(body)).toString('hex')}`;
}

interface ParsedHeader {
  timestamp: string;
  signatures: Buffer[];
}

/**
 * Reads `t=…,v1=…`. Several v1 entries are allowed, so that a sender can sign with an old and
 * a new secret while it is being rotated; unknown schemes are skipped for the same reason.
 */
function parseHeader(header: string): ParsedHeader | undefined {
  if (header.length > 1000) return undefined;
  let timestamp: string | undefined;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const match = /^\s*([a-z0-9]{1,10})=([^,\s]*)\s*$/.exec(part);
    if (!match) return undefined;
    const [, scheme, value = ''] = match;
    if (scheme === 't') {
      if (timestamp !== undefined || !/^\d{1,12}$/.test(value)) return undefined;
      timestamp = value;
    } else if (scheme === 'v1') {
      if (!/^[0-9a-f]{64}$/i.test(value)) return undefined;
      signatures.push(Buffer.from(value, 'hex'));
    }
  }
  if (timestamp === undefined || signatures.length === 0) return undefined;
  return { timestamp, signatures };
}

/** Why a signed postback is refused, or undefined when its signature holds. */
export function checkConversionSignature(
  secret: string,
  header: string | undefined,
  body: Buffer,
  now: Date,
): ConversionSignatureProblem | undefined {
  if (!header) return 'missing';
  const parsed = parseHeader(header);
  if (!parsed) return 'malformed';

  // Checked before the MAC: it is cheap, and a replayed request is refused either way.
  const skew = Math.abs(now.getTime() / 1000 - Number(parsed.timestamp));
  if (skew > SIGNATURE_TOLERANCE_SECONDS) return 'stale';

  const expected = hmac(secret, parsed.timestamp, body);
  // Both sides are 32 bytes, as timingSafeEqual needs: the parser takes only 64 hex digits.
  const matches = parsed.signatures.some((given) => timingSafeEqual(given, expected));
  return matches ? undefined : 'mismatch';
}
