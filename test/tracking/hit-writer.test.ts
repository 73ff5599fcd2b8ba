import Database from 'better-sqlite3';
import pino from 'pino';
import request from 'supertest';
import { describe, expect, it, vi } from 'vitest';
import { openHitStore } from '../../src/tracking/hit-store.mjs';
import { ThreadHitWriter, type HitRow } from '../../src/tracking/hit-writer';
import { manualClock, sendCampaign, startApp } from '../helpers';

const BROWSER = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15';

/** A launched, sent campaign on a real file, with a logger whose lines the test can read. */
async function sentCampaign(options: { hitWriterThread?: boolean } = {}) {
  const logged: { msg: string; messageId?: string; lost?: number }[] = [];
  const logger = pino(
    { level: 'info' },
    { write: (line: string) => logged.push(JSON.parse(line)) },
  );
  const clock = manualClock();
  const app = startApp({ clock, logger, ...options });
  const { messageIds: ids } = await sendCampaign(app, { testFraction: 1 }, 4);
  clock.advance(3_600_000);
  const { sqlite } = app.leadsplit.context;
  /** A click's row for the message, as the recorder hands it over. */
  const hitRow = (messageId: string): HitRow => {
    const [campaignId, variantId] = sqlite
      .prepare('SELECT campaign_id, variant_id FROM messages WHERE id = ?')
      .raw()
      .get(messageId) as [number, number];
    const at = clock().getTime();
    return [messageId, campaignId, variantId, 'clicked', at, 'shop', BROWSER, null, 0, null];
  };
  const clicksOf = (id: string) =>
    sqlite
      .prepare(`SELECT count(*) FROM events WHERE type = 'clicked' AND message_id = ?`)
      .pluck()
      .get(id) as number;
  const click = (id: string) =>
    request(app.app).get(`/t/c/${id}/shop`).set('User-Agent', BROWSER).expect(302);
  return { ...app, ids, clicksOf, click, logged, clock, hitRow };
}

describe.each([
  ['its own thread', true, 'thread'],
  ['the request thread', false, 'inline'],
] as const)('tracking hits stored from %s', (_name, hitWriterThread, where) => {
  it('stores each click once, by flush() and by close() alike', async () => {
    const { leadsplit, ids, click, clicksOf, dbFile } = await sentCampaign({ hitWriterThread });
    for (const id of ids) await click(id);
    expect(leadsplit.hits.writer.where).toBe(where);
    leadsplit.hits.flush();
    expect(ids.map(clicksOf)).toEqual([1, 1, 1, 1]);

    await click(ids[0]!);
    await click(ids[0]!);
    await leadsplit.close();
    const reader = new Database(dbFile, { readonly: true });
    const stored = reader
      .prepare(`SELECT count(*) FROM events WHERE type = 'clicked' AND message_id = ?`)
      .pluck()
      .get(ids[0]);
    reader.close();
    expect(stored).toBe(3);
  });

  it('drops a click whose message was erased meanwhile, and stores the others', async () => {
    const { leadsplit, ids, click, clicksOf, logged } = await sentCampaign({ hitWriterThread });
    await click(ids[0]!);
    await click(ids[1]!);
    await click(ids[2]!);
    leadsplit.context.sqlite.prepare('DELETE FROM messages WHERE id = ?').run(ids[1]);

    leadsplit.hits.flush();

    expect([ids[0], ids[2]].map((id) => clicksOf(id!))).toEqual([1, 1]);
    expect(clicksOf(ids[1]!)).toBe(0);
    await vi.waitFor(() =>
      expect(logged).toContainEqual(
        expect.objectContaining({ msg: 'tracking hit could not be stored', messageId: ids[1] }),
      ),
    );
  });
});

describe('the hit writer thread', () => {
  it('hands its work to the request thread when it fails, losing nothing', async () => {
    const { leadsplit, ids, clicksOf, logged, hitRow } = await sentCampaign();
    const writer = new ThreadHitWriter(
      leadsplit.context,
      new URL('../fixtures/failing-hit-thread.mjs', import.meta.url),
    );

    writer.write([hitRow(ids[0]!), hitRow(ids[0]!)]);
    await vi.waitFor(() => expect(writer.where).toBe('inline'));
    writer.write([hitRow(ids[0]!)]);
    writer.settle();

    expect(clicksOf(ids[0]!)).toBe(3);
    expect(logged.map((line) => line.msg)).toContain(
      'hit writer thread failed; writing hits inline',
    );
    writer.close();
  });
});

describe('openHitStore', () => {
  it('keeps the rows a busy database refused, and stores them once it is free', async () => {
    const { leadsplit, ids, dbFile, clicksOf, hitRow } = await sentCampaign();
    const { sqlite } = leadsplit.context;
    const impatient = new Database(dbFile);
    impatient.pragma('busy_timeout = 0');
    const hits = openHitStore(impatient);
    const rows = [hitRow(ids[3]!), hitRow(ids[3]!)];

    sqlite.exec('BEGIN IMMEDIATE');
    const refused = hits.store(rows);
    sqlite.exec('COMMIT');
    const stored = hits.store(refused.retry);
    impatient.close();

    expect(refused).toEqual({ retry: rows, dropped: [] });
    expect(stored).toEqual({ retry: [], dropped: [] });
    expect(clicksOf(ids[3]!)).toBe(2);
  });
});
