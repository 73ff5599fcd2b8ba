import Database from 'better-sqlite3';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { closedLoopLoad } from '../support/load';
import { api, exited, freePort, ready, startServer, until, wait } from '../support/server-process';
import { campaignBody, prospectCsv, tempDir } from '../helpers';

const CONNECTIONS = 200;
const SECONDS = 20;

/** The standalone server with a launched campaign of `leads` sent emails. */
async function serverWithSentCampaign(leads: number) {
  const dir = tempDir();
  const port = freePort();
  const server = startServer(dir, port, {});
  await ready(port);
  const campaign = await api(port, '/api/campaigns', campaignBody({ testFraction: 1 }));
  await api(port, `/api/campaigns/${campaign.id}/prospects`, prospectCsv(leads), 'text/csv');
  await api(port, `/api/campaigns/${campaign.id}/launch`, {});
  const db = new Database(join(dir, 'data/leadsplit.db'), { readonly: true });
  db.pragma('busy_timeout = 5000');
  const ids = await until('the test emails to go out', () => {
    const sent = db.prepare(`SELECT id FROM messages WHERE status = 'sent'`).pluck().all();
    return sent.length === leads && (sent as string[]);
  });
  return { port, server, db, ids };
}

const storedClicks = (db: Database.Database) =>
  db.prepare(`SELECT count(*) FROM events WHERE type = 'clicked'`).pluck().get() as number;

describe('the click route under load', () => {
  it('stores every click it redirected, also when stopped with SIGTERM right after', async () => {
    const { port, server, db, ids } = await serverWithSentCampaign(500);

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
    const stored = storedClicks(db);
    db.close();
    expect(code).toBe(0);
    expect(result.errors).toBe(0);
    expect(result.statuses).toEqual({ 302: redirects });
    expect(redirects).toBeGreaterThan(10_000);
    expect(stored).toBe(redirects);
  }, 90_000);

  it('stores every click it redirected when signals arrive in the middle of the load', async () => {
    const { port, server, db, ids } = await serverWithSentCampaign(200);
    const paths = ids.map((id) => `/t/c/${id}/shop`);

    const load = closedLoopLoad({
      port,
      connections: 100,
      durationMs: 15_000,
      paths,
      headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0' },
      stopOnError: true,
    });
    await wait(3_000);
    // A client that sent half a request and went quiet must not hold the shutdown for ever.
    const halfSent = connect(port, '127.0.0.1');
    halfSent.on('error', () => undefined);
    halfSent.write(`GET ${paths[0]} HTTP/1.1\r\nHost: 127.0.0.1\r\n`);
    await wait(200);
    const stoppedAt = Date.now();
    server.kill('SIGTERM');
    await wait(50);
    server.kill('SIGTERM');
    server.kill('SIGINT');
    const [code, result] = await Promise.all([exited(server), load]);
    const stopTook = Date.now() - stoppedAt;
    halfSent.destroy();

    const redirects = result.statuses[302] ?? 0;
    const stored = storedClicks(db);
    db.close();
    expect(code).toBe(0);
    expect(stopTook).toBeLessThan(12_000);
    expect(result.statuses).toEqual({ 302: redirects });
    expect(redirects).toBeGreaterThan(1_000);
    // Requests the server never answered redirected nobody; each answered one was stored.
    expect(stored).toBe(redirects);
  }, 90_000);
});
