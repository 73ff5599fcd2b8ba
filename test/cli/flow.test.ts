import Database from 'better-sqlite3';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rebuildFunnelCounts } from '../../src/reports/funnel-rebuild';
import type { CampaignReport } from '../../src/reports/report';
import { variantResults, type VariantResults } from '../../src/reports/variant-results';
import { recordConversion } from '../../src/tracking/conversions';
import { recordSendgridEvents } from '../../src/tracking/sendgrid-webhook';
import { prospectCsv } from '../helpers';
import { campaignJson, cliSandbox, type Sandbox } from './cli-process';
import { funnelRows, withoutLead } from './funnel-checks';

interface Lead {
  messageId: string;
  email: string;
  variantId: number;
  key: string;
}

describe('the leadsplit command line, from a campaign file to a backup', () => {
  let sandbox: Sandbox;
  let campaignId: number;
  let enrolled: { test: number; remainder: number };
  /** Test-phase leads, by variant key. */
  const leads: Record<string, Lead[]> = {};
  let erased: Lead;
  let report: CampaignReport;

  beforeAll(() => {
    sandbox = cliSandbox();
  });
  afterAll(() => sandbox.remove());

  it('create checks the campaign file, creates the campaign and prints its id', async () => {
    const result = await sandbox.run('create', sandbox.file('campaign.json', campaignJson()));

    expect(result.status).toBe(0);
    campaignId = Number(/Created campaign (\d+)/.exec(result.stdout)?.[1]);
    expect(campaignId).toBeGreaterThan(0);
    // A new database's credentials are shown once, on stderr.
    expect(result.stderr).toMatch(/API key for \/api: +ls_/);
  });

  it('import reads the CSV and prints imported, duplicates and rejected rows with reasons', async () => {
    const csv = prospectCsv(200) + 'not-an-email,Nobody,ads\nuser3@example.com,Again,ads\n';

    const result = await sandbox.run('import', String(campaignId), sandbox.file('list.csv', csv));

    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`Imported 200 prospects into campaign ${campaignId}.`);
    expect(result.stdout).toMatch(/duplicates +1 /);
    expect(result.stdout).toMatch(/rejected +1\n +row 202: invalid email: "not-an-email"/);
  });

  it('launch --send enrolls the list and writes the test emails to the outbox', async () => {
    const result = await sandbox.run('launch', String(campaignId), '--send', '--json');

    expect(result.status).toBe(0);
    const body = result.json<{ enrolled: typeof enrolled; sending: { sent: number } }>();
    enrolled = body.enrolled;
    expect(enrolled.test + enrolled.remainder).toBe(200);
    expect(body.sending.sent).toBe(enrolled.test);
    expect(readdirSync(join(sandbox.outbox, String(campaignId)))).toHaveLength(enrolled.test);

    // Meanwhile, as a server would record them: customers in both variants, and SendGrid's
    // events about one lead of b, one of them naming no message.
    await sandbox.inProcess(({ context }) => {
      const rows = context.sqlite
        .prepare(
          `SELECT m.id AS messageId, p.email, m.variant_id AS variantId, v.key FROM messages m
             JOIN prospects p ON p.id = m.prospect_id JOIN variants v ON v.id = m.variant_id
            WHERE m.phase = 'test' ORDER BY m.id`,
        )
        .all() as Lead[];
      for (const row of rows) (leads[row.key] ??= []).push(row);
      const buyers = [...leads.a!.slice(0, 2), ...leads.b!.slice(0, 8)];
      for (const [i, { email }] of buyers.entries()) {
        const order = { idempotencyKey: `order-${i}`, email, goal: 'purchase', value: 40 };
        recordConversion(context, {
          ...order,
          source: 'postback',
          currency: null,
          occurredAt: null,
        });
      }
      erased = leads.b![0]!;
      const { email, messageId } = erased;
      const timestamp = Math.floor(Date.now() / 1000);
      recordSendgridEvents(context, [
        { sg_event_id: 'ev-1', event: 'delivered', timestamp, message_id: messageId, email },
        { sg_event_id: 'ev-2', event: 'open', timestamp, message_id: messageId, email },
        { sg_event_id: 'ev-3', event: 'processed', timestamp, email: email.toUpperCase() },
      ]);
    });
  });

  it('report --json has the leads and customers of each variant and their ratios', async () => {
    const result = await sandbox.run('report', String(campaignId), '--json');

    expect(result.status).toBe(0);
    report = result.json<CampaignReport>();
    const [a, b] = report.variants;
    expect(a).toMatchObject({ key: 'a', leads: leads.a!.length, customers: 2 });
    expect(b).toMatchObject({ key: 'b', leads: leads.b!.length, customers: 8 });
    expect(b!.figures.rate).toBeCloseTo(8 / leads.b!.length, 12);
    expect(b!.figures.rateInterval.lower).toBeLessThan(b!.figures.rate);
    expect(report.totals.leads).toBe(enrolled.test);
  });

  it('report prints the table by variant and the verdict sentence', async () => {
    const result = await sandbox.run('report', String(campaignId));

    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/Variant +Leads +Customers +Ratio +Likely range/);
    expect(result.stdout).toMatch(new RegExp(`Urgent +${leads.b!.length} +8 +`));
    expect(result.stdout.replace(/\s+/g, ' ')).toContain(report.verdict.sentence);
  });

  it('export prints the CSV header and one row per variant', async () => {
    const result = await sandbox.run('export', String(campaignId));

    expect(result.status).toBe(0);
    const lines = result.stdout.trimEnd().split('\r\n');
    expect(lines[0]).toMatch(/^variant,name,control,enrolled,leads,/);
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual(['a', 'b']);
  });

  it('rollout --variant b --send emails the remainder and completes the campaign', async () => {
    const result = await sandbox.run('rollout', String(campaignId), '--variant', 'b', '--send');

    expect(result.status).toBe(0);
    expect(result.stdout).toContain('The campaign is completed.');
    const db = new Database(sandbox.dbFile, { readonly: true });
    const remainder = db
      .prepare(
        `SELECT count(*) FROM messages m JOIN variants v ON v.id = m.variant_id
          WHERE m.phase = 'remainder' AND m.status = 'sent' AND v.key = 'b'`,
      )
      .pluck()
      .get();
    db.close();
    expect(remainder).toBe(enrolled.remainder);
    expect(readdirSync(join(sandbox.outbox, String(campaignId)))).toHaveLength(200);
  });

  it('erase removes every row of the prospect and leaves the funnel counts rebuilt', async () => {
    const { before, day } = await sandbox.inProcess((leadsplit) => ({
      before: variantResults(leadsplit.context, campaignId),
      day: leadsplit.context.sqlite
        .prepare(
          `SELECT date(c.occurred_at / 1000, 'unixepoch') FROM conversions c
             JOIN prospects p ON p.id = c.prospect_id WHERE p.email = ?`,
        )
        .pluck()
        .get(erased.email) as string,
    }));

    const result = await sandbox.run('erase', erased.email.toUpperCase(), '--json');

    expect(result.status).toBe(0);
    expect(result.json()).toMatchObject({
      email: erased.email,
      campaigns: [campaignId],
      removed: {
        prospects: 1,
        campaign_prospects: 1,
        enrollments: 1,
        messages: 1,
        events: 2,
        webhook_events: 3,
        conversions: 1,
        conversion_receipts: 1,
        outbox_files: 1,
      },
    });
    expect(existsSync(join(sandbox.outbox, String(campaignId), `${erased.messageId}.eml`))).toBe(
      false,
    );
    await sandbox.inProcess((leadsplit) => {
      const { sqlite } = leadsplit.context;
      expect(sqlite.prepare('SELECT 1 FROM prospects WHERE email = ?').get(erased.email)).toBe(
        undefined,
      );
      const after = variantResults(leadsplit.context, campaignId);
      const expected: VariantResults = {
        ...before,
        variants: before.variants.map((v) =>
          v.variantId === erased.variantId ? { ...v, ...withoutLead(v, 40, day) } : v,
        ),
        totals: withoutLead(before.totals, 40, day),
      };
      expect(after).toEqual(expected);

      const kept = funnelRows(sqlite, campaignId);
      rebuildFunnelCounts(leadsplit.context, campaignId);
      expect(funnelRows(sqlite, campaignId)).toEqual(kept);
    });
  });

  it('backup writes a copy that opens and holds the campaign, and will not overwrite it', async () => {
    const copy = join(sandbox.dir, 'backups', 'copy.db');

    const result = await sandbox.run('backup', copy);

    expect(result.status).toBe(0);
    const db = new Database(copy, { readonly: true });
    expect(db.prepare('SELECT name, status FROM campaigns WHERE id = ?').get(campaignId)).toEqual({
      name: 'Spring offer',
      status: 'completed',
    });
    db.close();
    const again = await sandbox.run('backup', copy);
    expect(again.status).toBe(5);
    expect(again.stderr).toContain('add --force');
  });

  it('migrate applies nothing to an up-to-date database', async () => {
    const journal = JSON.parse(
      readFileSync(join(__dirname, '../../migrations/meta/_journal.json'), 'utf8'),
    ) as { entries: unknown[] };

    const result = await sandbox.run('migrate', '--json');

    expect(result.status).toBe(0);
    expect(result.json()).toEqual({
      database: sandbox.dbFile,
      applied: 0,
      total: journal.entries.length,
    });
  });
});
