import type { Router } from 'express';
import pino, { type Logger } from 'pino';
import type { Context } from './context';
import { resolveApiKey, resolveSecret } from './credentials';
import { migrateDatabase, openDatabase, type Sqlite } from './db';
import { buildRouter } from './http/router';

export interface LeadsplitOptions {
  /** A SQLite file path, or an open better-sqlite3 handle the host keeps ownership of. */
  database: string | Sqlite;
  /**
   * Absolute URL where the plugin is reachable from outside, including the prefix the host
   * mounts it at (`https://example.com/ab`). Tracking links in emails start with it.
   */
  publicUrl: string;
  /** Signs postbacks and tokens. Generated once and kept in the database when absent. */
  secret?: string;
  /** The bearer key for /api. Generated once, stored hashed, when absent. */
  apiKey?: string;
  /** Sends the emails. */
  // TODO: the Mailer port (SendGrid and outbox adapters) is not built yet; the option is
  // accepted so hosts can wire it, and launch only enqueues messages until it is.
  mailer?: unknown;
  logger?: Logger;
  clock?: () => Date;
  /** The largest prospect upload taken, in bytes (default 100 MiB). */
  maxImportBytes?: number;
}

export interface Leadsplit {
  router: Router;
  /** Stops background work and closes the database when leadsplit opened it. */
  close(): Promise<void>;
  /** Credentials generated on this start, to be shown once to the operator. */
  generated: { apiKey?: string };
  /** For the host's own wiring and for tests. */
  context: Context;
}

export function createLeadsplit(options: LeadsplitOptions): Leadsplit {
  const logger = options.logger ?? pino({ name: 'leadsplit' });
  const { sqlite, db } = openDatabase(options.database);
  migrateDatabase(db);

  const context: Context = {
    db,
    sqlite,
    logger,
    clock: options.clock ?? (() => new Date()),
    publicUrl: options.publicUrl.replace(/\/+$/, ''),
  };
  resolveSecret(sqlite, options.secret);
  const apiKey = resolveApiKey(sqlite, options.apiKey);

  const router = buildRouter(context, {
    apiKey,
    maxImportBytes: options.maxImportBytes ?? 100 * 1024 * 1024,
  });
  const ownsDatabase = typeof options.database === 'string';

  return {
    router,
    generated: { apiKey: apiKey.generated },
    context,
    async close() {
      if (ownsDatabase && sqlite.open) sqlite.close();
    },
  };
}

export type { Context } from './context';
export { AppError } from './errors';
