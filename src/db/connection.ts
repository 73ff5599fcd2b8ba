import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as schema from './schema';

export type Sqlite = Database.Database;
export type Db = BetterSQLite3Database<typeof schema> & { $client: Sqlite };

const MIGRATIONS_FOLDER = resolve(dirname(fileURLToPath(import.meta.url)), '../../migrations');

/** What every connection to the database sets, the hit writer thread's included. */
export const CONNECTION_PRAGMAS = [
  'busy_timeout = 5000',
  // NORMAL is durable across process crashes, which is the failure this product must survive.
  'synchronous = NORMAL',
  'foreign_keys = ON',
  // A larger page cache and memory-mapped reads keep the hot indexes (tracking lookups,
  // funnel counts) in memory instead of going through the file system for each page.
  'cache_size = -65536',
  'mmap_size = 268435456',
];

/** Opens (or adopts) a SQLite database and sets the pragmas leadsplit relies on. */
export function openDatabase(database: string | Sqlite): { sqlite: Sqlite; db: Db } {
  let sqlite: Sqlite;
  if (typeof database === 'string') {
    if (database !== ':memory:') mkdirSync(dirname(resolve(database)), { recursive: true });
    sqlite = new Database(database);
  } else {
    sqlite = database;
  }

  for (const pragma of CONNECTION_PRAGMAS) sqlite.pragma(pragma);
  // WAL lets readers (reports) run while the send queue and tracking hits write; it is a
  // property of the file, kept once set.
  sqlite.pragma('journal_mode = WAL');

  return { sqlite, db: drizzle(sqlite, { schema }) };
}

/**
 * Applies the committed migrations. Two processes starting on one file at once may both try.
 * The migrator reads which migrations are applied before it takes the write lock, so the
 * loser either gets SQLITE_BUSY or finds the winner's tables already made; either way it
 * tries again once the applied migrations have moved, and then finds nothing left to do.
 */
export function migrateDatabase(db: Db): void {
  const sqlite = db.$client;
  for (let attempt = 0; ; attempt++) {
    const before = lastMigration(sqlite);
    try {
      migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
      return;
    } catch (error) {
      const code = String((error as { code?: unknown }).code ?? '');
      const raced = code.startsWith('SQLITE_BUSY') || lastMigration(sqlite) !== before;
      if (!raced || attempt >= 50) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20 + Math.random() * 80);
    }
  }
}

/** When the newest applied migration was made, or null before the first. */
function lastMigration(sqlite: Sqlite): number | null {
  try {
    return sqlite.prepare('SELECT max(created_at) FROM __drizzle_migrations').pluck().get() as
      number | null;
  } catch {
    return null;
  }
}
