import Database from 'better-sqlite3';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeSendgrid, type FakeSendgrid } from '../support/fake-sendgrid';
import { api, exited, freePort, ready, startServer, until } from '../support/server-process';
import { campaignBody, prospectCsv, tempDir } from '../helpers';

const SENDGRID_KEY = 'SG.crash-test-key';
const LEADS = 1500;
const SENDING = { LEADSPLIT_SEND_BATCH_SIZE: '40', LEADSPLIT_SEND_RATE: '600' };

let fake: FakeSendgrid | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const statusCounts = (db: Database.Database) =>
  Object.fromEntries(
    (
      db.prepare('SELECT status, count(*) AS n FROM messages GROUP BY status').all() as {
        status: string;
        n: number;
      }[]
    ).map((r) => [r.status, r.n]),
  ) as Record<string, number>;

/**
 * Launches a campaign on a server in a child process, kills it with SIGKILL in the middle of
 * sending, starts it again on the same files, and waits until the queue has settled.
 */
async function sendThroughACrash(env: Record<string, string>) {
  const dir = tempDir();
  const port = freePort();
  let server = startServer(dir, port, { ...SENDING, ...env });
  await ready(port);
  const campaign = await api(port, '/api/campaigns', campaignBody({ testFraction: 1 }));
  await api(port, `/api/campaigns/${campaign.id}/prospects`, prospectCsv(LEADS), 'text/csv');
  await api(port, `/api/campaigns/${campaign.id}/launch`, {});

  const db = new Database(join(dir, 'data/leadsplit.db'), { readonly: true });
  db.pragma('busy_timeout = 5000');
  await until('sending to be under way', () => {
    const sent = statusCounts(db).sent ?? 0;
    return sent >= 200 && sent < LEADS - 200;
  });
  server.kill('SIGKILL');
  await exited(server);
  const atCrash = statusCounts(db);

  server = startServer(dir, port, { ...SENDING, ...env });
  await until(
    'the queue to settle',
    () => {
      const counts = statusCounts(db);
      return !counts.queued && !counts.sending;
    },
    60_000,
  );
  const messages = db
    .prepare('SELECT id, status, batch_id AS batchId FROM messages ORDER BY id')
    .all() as { id: string; status: string; batchId: string }[];
  db.close();
  server.kill('SIGTERM');
  return { dir, campaignId: campaign.id as number, atCrash, messages };
}

describe('the send queue through a crash', () => {
  it('on the outbox: after kill -9 and a restart, every lead gets exactly one email', async () => {
    const { dir, campaignId, atCrash, messages } = await sendThroughACrash({});

    expect(atCrash.sent).toBeGreaterThan(0);
    expect(atCrash.sent).toBeLessThan(LEADS);
    expect(messages).toHaveLength(LEADS);
    expect(new Set(messages.map((m) => m.status))).toEqual(new Set(['sent']));
    const folder = join(dir, 'outbox', String(campaignId));
    const files = readdirSync(folder).filter((f) => f.endsWith('.eml'));
    expect(files.sort()).toEqual(messages.map((m) => `${m.id}.eml`).sort());
    // Each file was written by the batch the database says carried it: no message went out
    // in a second batch after the restart.
    for (const m of messages) {
      const eml = readFileSync(join(folder, `${m.id}.eml`), 'utf8');
      expect(eml).toContain(`X-Leadsplit-Batch: ${m.batchId}`);
    }
  }, 120_000);

  it('on SendGrid: no lead is emailed twice and none is skipped; lost requests are unknown', async () => {
    fake = await startFakeSendgrid({ apiKey: SENDGRID_KEY, delayMs: 40 });

    const { messages } = await sendThroughACrash({
      SENDGRID_API_KEY: SENDGRID_KEY,
      SENDGRID_API_URL: fake.url,
      SENDGRID_TIMEOUT_MS: '2000',
      LEADSPLIT_SENDER_EMAIL: 'news@shop.example.com',
    });

    const deliveries = fake.deliveryCounts();
    expect(Math.max(...deliveries.values())).toBe(1);
    for (const m of messages) {
      if (m.status === 'sent') expect(deliveries.get(m.id)).toBe(1);
      else expect(m.status).toBe('unknown');
    }
    const unknown = messages.filter((m) => m.status === 'unknown');
    // At most the one batch that was in flight when the process died.
    expect(unknown.length).toBeLessThanOrEqual(40);
    expect(new Set(unknown.map((m) => m.batchId)).size).toBeLessThanOrEqual(1);
    expect(messages.filter((m) => m.status === 'sent').length + unknown.length).toBe(LEADS);
  }, 120_000);
});
