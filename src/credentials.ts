import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Sqlite } from './db';

function readSetting(sqlite: Sqlite, key: string): string | undefined {
  const row = sqlite.prepare('SELECT value FROM settings WHERE key = ?').get(key) as
    { value: string } | undefined;
  return row?.value;
}

/** Stores a value unless one is there; answers the value that is kept, which may be older. */
function keepSetting(sqlite: Sqlite, key: string, value: string): string {
  sqlite
    .prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING')
    .run(key, value);
  return readSetting(sqlite, key)!;
}

/**
 * The secret that signs postbacks and tokens: the configured one, or one kept in the
 * database. `generated` is set on the start that made it, so the operator can be shown it
 * once: the marketer's server needs it to sign conversion postbacks.
 */
export function resolveSecret(
  sqlite: Sqlite,
  configured?: string,
): { secret: string; generated?: string } {
  if (configured) return { secret: configured };
  const candidate = randomBytes(32).toString('base64url');
  const secret = keepSetting(sqlite, 'secret', candidate);
  return { secret, generated: secret === candidate ? secret : undefined };
}

const sha256 = (value: string) => createHash('sha256').update(value).digest();

export interface ApiKeyCheck {
  verify(candidate: string): boolean;
  /** Set only on the start that generated the key: the one chance to show it. */
  generated?: string;
}

/**
 * The API key is a 256-bit random value, so a plain SHA-256 is a sound way to store it: there
 * is nothing to guess. Only the hash is kept; the key is shown once when it is generated.
 */
export function resolveApiKey(sqlite: Sqlite, configured?: string): ApiKeyCheck {
  let generated: string | undefined;
  let hash: Buffer;
  if (configured) {
    hash = sha256(configured);
  } else {
    const candidate = `ls_${randomBytes(32).toString('base64url')}`;
    const stored = keepSetting(sqlite, 'api_key_sha256', sha256(candidate).toString('hex'));
    if (stored === sha256(candidate).toString('hex')) generated = candidate;
    hash = Buffer.from(stored, 'hex');
  }

  return {
    verify: (candidate) => timingSafeEqual(sha256(candidate), hash),
    generated,
  };
}
