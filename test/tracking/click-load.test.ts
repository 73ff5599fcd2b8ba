import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { closedLoopLoad } from '../support/load';
import { api, exited, freePort, ready, startServer, until } from '../support/server-process';
import { campaignBody, prospectCsv, tempDir } from '../helpers';

const CONNECTIONS = 200;
const SECONDS = 20;

describe('the click route under load', () => {
  it('stores every click it redirected, also when stopped with SIGTERM right after', async () => {
    const dir = tempDir();
    const port = freePort();
    const server = startServer(dir, port, {});
    await ready(port);
    const campaign = await api(port, '/api/campaigns', campaignBody({ testFraction: 1 }));
    await api(port, `/api/campaigns/${campaign.id}/prospects`, prospectCsv(500), 'text/csv');
    await api(port, `/api/campaigns/${campaign.id}/launch`, {});
    const db = new Database(join(dir, 'data/leadsplit.db'), { readonly: true });
    db.pragma('busy_timeout = 5000');
    const ids = await until('the test emails to go out', () => {
      const sent = db.prepare(`SELECT id FROM messages WHERE status = 'sent'`).pluck().all();
      return sent.length === 500 && (sent as string[]);
    });

    const result = await closedLoopLoad({
      port,
      connections: CONNECTIONS,
      durationMs: SECONDS * 1000,
      paths: ids.map((id) => `/t/c/${id}/shop`),
      headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0' },
    });
    server.kill('SIGTERM');
    const code = await exited(server);

    const redirects = result.statuses[302] ?? 0;
    const stored = db.prepare(`SELECT count(*) FROM events WHERE type = 'clicked'`).pluck().get();
    db.close();
    expect(code).toBe(0);
    expect(result.errors).toBe(0);
    expect(result.statuses).toEqual({ 302: redirects });
    expect(redirects).toBeGreaterThan(10_000);
    expect(stored).toBe(redirects);
  }, 90_000);
});
