import { migrateDatabase, openDatabase, type Sqlite } from '../db';
import type { Command } from './command';
import { plural } from './format';

/** Migrations recorded as applied; none on a database drizzle has not touched yet. */
function appliedMigrations(sqlite: Sqlite): number {
  const known = sqlite
    .prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'`)
    .get();
  if (!known) return 0;
  return sqlite.prepare('SELECT count(*) FROM __drizzle_migrations').pluck().get() as number;
}

export const migrate: Command = {
  name: 'migrate',
  args: [],
  summary: 'Bring the database up to date with the migrations (made if it does not exist).',
  details:
    'Every other command migrates on its own; this one says what it did, for a deploy ' +
    'script that upgrades before starting the server.',
  async run({ config }) {
    const { sqlite, db } = openDatabase(config.database);
    let before: number;
    let after: number;
    try {
      before = appliedMigrations(sqlite);
      migrateDatabase(db);
      after = appliedMigrations(sqlite);
    } finally {
      sqlite.close();
    }

    const applied = after - before;
    return {
      json: { database: config.database, applied, total: after },
      text:
        applied > 0
          ? `Applied ${plural(applied, 'migration')} to ${config.database} (${after} in all).\n`
          : `${config.database} is up to date (${plural(after, 'migration')}).\n`,
    };
  },
};
