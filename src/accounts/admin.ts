import { createHash, createHmac, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import type { Sqlite } from '../db';

// scrypt with N = 2^15 takes tens of milliseconds: slow for a guesser, fine for one sign-in.
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const KEY_LENGTH = 32;

function scrypt(password: string, salt: Buffer): Buffer {
  return scryptSync(password.normalize('NFKC'), salt, KEY_LENGTH, SCRYPT);
}

function encode(salt: Buffer, hash: Buffer): string {
  const parameters = `${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}`;
  return `scrypt$${parameters}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

function verifyEncoded(encoded: string, candidate: string): boolean {
  const [kind, n, r, p, salt, hash] = encoded.split('$');
  if (kind !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = scryptSync(
    candidate.normalize('NFKC'),
    Buffer.from(salt, 'base64'),
    expected.length,
    {
      N: Number(n),
      r: Number(r),
      p: Number(p),
      maxmem: SCRYPT.maxmem,
    },
  );
  return timingSafeEqual(actual, expected);
}

export interface AdminPassword {
  verify(candidate: string): boolean;
  /** Set only on the start that generated the password: the one chance to show it. */
  generated?: string;
}

/**
 * The dashboard's one account. The password is the configured one, or one generated at the
 * first start, shown once and kept only as an scrypt hash.
 */
export function resolveAdminPassword(sqlite: Sqlite, configured?: string): AdminPassword {
  if (configured) {
    // Held in memory only: the configured password is hashed once at start.
    const salt = randomBytes(16);
    const hash = scrypt(configured, salt);
    return { verify: (candidate) => timingSafeEqual(scrypt(candidate, salt), hash) };
  }

  const candidate = randomBytes(12).toString('base64url');
  const salt = randomBytes(16);
  const inserted = sqlite
    .prepare(
      `INSERT INTO settings (key, value) VALUES ('admin_password', ?) ON CONFLICT (key) DO NOTHING`,
    )
    .run(encode(salt, scrypt(candidate, salt)));
  const stored = sqlite
    .prepare(`SELECT value FROM settings WHERE key = 'admin_password'`)
    .pluck()
    .get() as string;
  return {
    verify: (given) => verifyEncoded(stored, given),
    generated: inserted.changes === 1 ? candidate : undefined,
  };
}

const SESSION_DAYS = 14;
const hashId = (id: string) => createHash('sha256').update(id).digest('base64url');

/** Opens a session; answers the cookie value, which is shown to nobody else and stored hashed. */
export function openSession(sqlite: Sqlite, now: number): { id: string; expiresAt: number } {
  const id = randomBytes(32).toString('base64url');
  const expiresAt = now + SESSION_DAYS * 86_400_000;
  sqlite.prepare('DELETE FROM sessions WHERE expires_at < ?').run(now);
  sqlite
    .prepare('INSERT INTO sessions (id_hash, created_at, expires_at) VALUES (?, ?, ?)')
    .run(hashId(id), now, expiresAt);
  return { id, expiresAt };
}

export function sessionIsOpen(sqlite: Sqlite, id: string, now: number): boolean {
  if (!/^[A-Za-z0-9_-]{43}$/.test(id)) return false;
  const row = sqlite
    .prepare('SELECT expires_at FROM sessions WHERE id_hash = ?')
    .pluck()
    .get(hashId(id)) as number | undefined;
  return row !== undefined && row > now;
}

export function closeSession(sqlite: Sqlite, id: string): void {
  sqlite.prepare('DELETE FROM sessions WHERE id_hash = ?').run(hashId(id));
}

/** A form token bound to one session (or one signed-out visitor): useless to another site. */
export function formToken(secret: string, sessionId: string): string {
  return createHmac('sha256', secret).update(`csrf:${sessionId}`).digest('base64url');
}

export function formTokenMatches(secret: string, sessionId: string, token: unknown): boolean {
  if (typeof token !== 'string') return false;
  const expected = Buffer.from(formToken(secret, sessionId));
  const given = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
