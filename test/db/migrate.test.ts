import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { describe, expect, it } from 'vitest';
import { migrateDatabase, openDatabase } from '../../src/db';
import { variantResults } from '../../src/reports/variant-results';
import { startApp, tempDir, TSX_IMPORT } from '../helpers';
import { addEvent, sentCampaign } from '../reports/funnel-fixtures';

const MIGRATIONS = resolve(__dirname, '../../migrations');

describe('openDatabase', () => {
  it('turns on WAL, foreign keys and a busy timeout', () => {
    const { sqlite } = openDatabase(join(tempDir(), 'pragmas.db'));

    expect(sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(sqlite.pragma('busy_timeout', { simple: true })).toBe(5000);
    sqlite.close();
  });
});

describe('migrateDatabase', () => {
  it('is safe to run twice on one file', () => {
    const file = join(tempDir(), 'twice.db');
    for (let i = 0; i < 2; i++) {
      const { sqlite, db } = openDatabase(file);
      migrateDatabase(db);
      sqlite.close();
    }
    const { sqlite } = openDatabase(file);
    const applied = sqlite.prepare('SELECT count(*) FROM __drizzle_migrations').pluck().get();
    const journal = JSON.parse(readFileSync(join(MIGRATIONS, 'meta/_journal.json'), 'utf8'));
    expect(applied).toBe(journal.entries.length);
    sqlite.close();
  });

  it('brings a file made by an earlier version forward, keeping its rows', () => {
    const dir = tempDir();
    const file = join(dir, 'older.db');
    // An earlier version: the same history without its last migration.
    const older = join(dir, 'older-migrations');
    cpSync(MIGRATIONS, older, { recursive: true });
    const journalFile = join(older, 'meta/_journal.json');
    const journal = JSON.parse(readFileSync(journalFile, 'utf8'));
    journal.entries.pop();
    writeFileSync(journalFile, JSON.stringify(journal));
    const old = new Database(file);
    migrate(drizzle(old), { migrationsFolder: older });
    old.exec(`CREATE TABLE IF NOT EXISTS keepsake (note TEXT)`);
    old.prepare('INSERT INTO keepsake VALUES (?)').run('still here');
    old.close();

    const { sqlite, db } = openDatabase(file);
    migrateDatabase(db);

    expect(sqlite.prepare('SELECT note FROM keepsake').pluck().get()).toBe('still here');
    expect(sqlite.prepare('SELECT count(*) FROM campaigns').pluck().get()).toBe(0);
    expect(sqlite.prepare('SELECT count(*) FROM __drizzle_migrations').pluck().get()).toBe(
      journal.entries.length + 1,
    );
    sqlite.close();
  });

  it('takes back the bounces of messages delivered since, counted by the earlier triggers', async () => {
    const app = startApp();
    const { campaignId, variantIds, leadsOf } = await sentCampaign(app);
    const { sqlite } = app.leadsplit.context;
    // The event triggers as they were before bounces gave way to deliveries.
    const earlier = readFileSync(join(MIGRATIONS, '0005_funnel_triggers.sql'), 'utf8')
      .split('--> statement-breakpoint')
      .filter((sql) => /CREATE TRIGGER funnel_event_(insert|reflag)\b/.test(sql));
    expect(earlier).toHaveLength(2);
    sqlite.exec(
      'DROP TRIGGER funnel_event_insert; DROP TRIGGER funnel_event_reflag;' +
        ' DROP TRIGGER funnel_event_delivered;',
    );
    for (const sql of earlier) sqlite.exec(sql);
    const [retried, lost] = leadsOf(variantIds[0]!);
    addEvent(app, campaignId, retried!, 'bounced');
    addEvent(app, campaignId, retried!, 'delivered');
    addEvent(app, campaignId, lost!, 'bounced');
    expect(variantResults(app.leadsplit.context, campaignId).variants[0]!.bounced).toBe(2);
    // The migration itself, run again over what the earlier triggers counted.
    const migration = readFileSync(join(MIGRATIONS, '0011_bounced_until_delivered.sql'), 'utf8');
    for (const sql of migration.split('--> statement-breakpoint')) sqlite.exec(sql);

    const a = variantResults(app.leadsplit.context, campaignId).variants[0]!;
    expect([a.delivered, a.bounced]).toEqual([1, 1]);
    const other = leadsOf(variantIds[0]!)[2]!;
    addEvent(app, campaignId, other, 'bounced');
    addEvent(app, campaignId, other, 'delivered');
    expect(variantResults(app.leadsplit.context, campaignId).variants[0]!.bounced).toBe(1);
  });

  it('sets the delivery time of messages from the deliveries reported before', async () => {
    const app = startApp();
    const { campaignId, variantIds, leadsOf } = await sentCampaign(app);
    const { sqlite } = app.leadsplit.context;
    const [twice, never] = leadsOf(variantIds[0]!);
    addEvent(app, campaignId, twice!, 'delivered', { at: 2_000 });
    addEvent(app, campaignId, twice!, 'delivered', { at: 1_000 });
    addEvent(app, campaignId, never!, 'opened', { at: 3_000 });
    const migration = readFileSync(join(MIGRATIONS, '0013_delivered_at.sql'), 'utf8');
    const backfill = migration.split('--> statement-breakpoint').at(-1)!;

    sqlite.exec(backfill);

    const deliveredAt = sqlite.prepare('SELECT delivered_at FROM messages WHERE id = ?').pluck();
    expect(deliveredAt.get(twice!.messageId)).toBe(1_000);
    expect(deliveredAt.get(never!.messageId)).toBeNull();
  });

  it('lets two processes start on one new file at the same moment', async () => {
    const file = join(tempDir(), 'race.db');
    const script = `
      import { openDatabase, migrateDatabase } from ${JSON.stringify(resolve(__dirname, '../../src/db/index.ts'))};
      const { sqlite, db } = openDatabase(${JSON.stringify(file)});
      migrateDatabase(db);
      sqlite.close();
    `;
    const run = () =>
      new Promise<number>((done) => {
        const child = spawn(
          process.execPath,
          [...TSX_IMPORT, '--input-type=module', '-e', script],
          {
            stdio: 'inherit',
          },
        );
        child.on('exit', (code) => done(code ?? -1));
      });

    const codes = await Promise.all([run(), run(), run()]);

    expect(codes).toEqual([0, 0, 0]);
    const { sqlite } = openDatabase(file);
    const journal = JSON.parse(readFileSync(join(MIGRATIONS, 'meta/_journal.json'), 'utf8'));
    expect(sqlite.prepare('SELECT count(*) FROM __drizzle_migrations').pluck().get()).toBe(
      journal.entries.length,
    );
    sqlite.close();
  });
});
