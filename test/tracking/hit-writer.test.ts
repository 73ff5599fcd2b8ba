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
  const logged: { msg: string; messageId?: string; lost?: number; error?: string }[] = [];
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
  const machineClicksOf = (id: string) =>
    sqlite
      .prepare(`SELECT count(*) FROM events WHERE message_id = ? AND machine = 1`)
      .pluck()
      .get(id) as number;
  const click = (id: string) =>
    request(app.app).get(`/t/c/${id}/shop`).set('User-Agent', BROWSER).expect(302);
  return { ...app, ids, clicksOf, machineClicksOf, click, logged, clock, hitRow };
}

describe.each([
  ['its own thread', true, 'thread'],
  ['the request thread', false, 'inline'],
] as const)('tracking hits stored from %s', (_name, hitWriterThread, where) => {
  it('stores each click once when flushed', async () => {
    const { leadsplit, ids, click, clicksOf } = await sentCampaign({ hitWriterThread });
    for (const id of ids) await click(id);
    await click(ids[0]!);
    expect(leadsplit.hits.writer.where).toBe(where);

    leadsplit.hits.flush();

    expect(ids.map(clicksOf)).toEqual([2, 1, 1, 1]);
  });

  it('stores at close what was handed over the moment before', async () => {
    const { leadsplit, ids, hitRow, dbFile } = await sentCampaign({ hitWriterThread });
    leadsplit.hits.writer.write([hitRow(ids[0]!), hitRow(ids[1]!)]);
    leadsplit.hits.writer.write([hitRow(ids[0]!)]);

    await leadsplit.close();

    const reader = new Database(dbFile, { readonly: true });
    const stored = reader
      .prepare(`SELECT message_id, count(*) FROM events WHERE type = 'clicked' GROUP BY 1`)
      .raw()
      .all();
    reader.close();
    expect(Object.fromEntries(stored as [string, number][])).toEqual({
      [ids[0]!]: 2,
      [ids[1]!]: 1,
    });
  });

  it('drops a hit whose message was erased since the click, and stores the others', async () => {
    const { leadsplit, ids, hitRow, clicksOf, logged } = await sentCampaign({ hitWriterThread });
    const rows = [hitRow(ids[0]!), hitRow(ids[1]!), hitRow(ids[2]!)];
    leadsplit.context.sqlite.prepare('DELETE FROM messages WHERE id = ?').run(ids[1]);

    leadsplit.hits.writer.write(rows);
    leadsplit.hits.writer.settle();

    expect([clicksOf(ids[0]!), clicksOf(ids[1]!), clicksOf(ids[2]!)]).toEqual([1, 0, 1]);
    await vi.waitFor(() =>
      expect(logged).toContainEqual(
        expect.objectContaining({ msg: 'tracking hit could not be stored', messageId: ids[1] }),
      ),
    );
  });

  it('flags a sweep after storing the clicks handed over before it', async () => {
    const { leadsplit, ids, hitRow, clicksOf, machineClicksOf, clock } = await sentCampaign({
      hitWriterThread,
    });
    const since = clock().getTime();
    leadsplit.hits.writer.write([hitRow(ids[0]!), hitRow(ids[0]!), hitRow(ids[1]!)]);
    leadsplit.hits.writer.sweep(ids[0]!, since, 'every link clicked within a second');
    leadsplit.hits.writer.settle();

    expect([clicksOf(ids[0]!), machineClicksOf(ids[0]!), machineClicksOf(ids[1]!)]).toEqual([
      2, 2, 0,
    ]);
  });
  it('keeps refused work and tries again, by itself, until the database takes it', async () => {
    const { leadsplit, ids, hitRow, clicksOf, logged } = await sentCampaign({ hitWriterThread });
    const { sqlite } = leadsplit.context;
    sqlite.exec('ALTER TABLE events RENAME TO events_away');

    leadsplit.hits.writer.write([hitRow(ids[2]!), hitRow(ids[3]!)]);
    await vi.waitFor(() =>
      expect(logged).toContainEqual(
        expect.objectContaining({
          msg: 'database refused tracking hits; retrying',
          error: expect.stringMatching(/no such table/),
        }),
      ),
    );
    sqlite.exec('ALTER TABLE events_away RENAME TO events');

    await vi.waitFor(() => expect([clicksOf(ids[2]!), clicksOf(ids[3]!)]).toEqual([1, 1]));
    leadsplit.hits.flush();
    expect([leadsplit.hits.writer.where, clicksOf(ids[2]!), clicksOf(ids[3]!)]).toEqual([
      where,
      1,
      1,
    ]);
  });
});

describe('the hit writer thread', () => {
  it('hands its work to the request thread when it cannot start, losing nothing', async () => {
    const { leadsplit, ids, hitRow, clicksOf, logged } = await sentCampaign();
    const writer = new ThreadHitWriter(
      leadsplit.context,
      new URL('../fixtures/failing-hit-thread.mjs', import.meta.url),
    );

    writer.write([hitRow(ids[0]!), hitRow(ids[0]!)]);
    await vi.waitFor(() => expect(writer.where).toBe('inline'));
    writer.write([hitRow(ids[0]!)]);
    writer.settle();

    expect(clicksOf(ids[0]!)).toBe(3);
    expect(logged.map((line) => line.msg)).toContain('hit writer thread failed');
    await writer.close();
  });

  it('is taken over at once when it fails while a flush waits, without storing twice', async () => {
    const { leadsplit, ids, hitRow, clicksOf } = await sentCampaign();
    const writer = new ThreadHitWriter(
      leadsplit.context,
      new URL('../fixtures/hit-thread-failing-later.mjs', import.meta.url),
    );
    writer.write([hitRow(ids[0]!)]);
    writer.settle();
    expect([writer.where, clicksOf(ids[0]!)]).toEqual(['thread', 1]);

    writer.write([hitRow(ids[0]!), hitRow(ids[1]!)]);
    const started = Date.now();
    writer.settle();

    expect(writer.where).toBe('inline');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect([clicksOf(ids[0]!), clicksOf(ids[1]!)]).toEqual([2, 1]);
    await writer.close();
  });
});

describe('openHitStore', () => {
  it('leaves a batch whole for later while the database is busy', async () => {
    const { leadsplit, ids, dbFile, clicksOf, hitRow } = await sentCampaign();
    const impatient = new Database(dbFile);
    impatient.pragma('busy_timeout = 0');
    const store = openHitStore(impatient);
    const work = { kind: 'hits' as const, rows: [hitRow(ids[3]!), hitRow(ids[3]!)] };

    leadsplit.context.sqlite.exec('BEGIN IMMEDIATE');
    const refused = store.apply(work);
    leadsplit.context.sqlite.exec('COMMIT');
    const stored = store.apply(work);
    impatient.close();

    expect(refused).toMatchObject({
      done: false,
      dropped: [],
      error: expect.stringMatching(/lock/),
    });
    expect(stored).toEqual({ done: true, dropped: [], error: null });
    expect(clicksOf(ids[3]!)).toBe(2);
  });

  it('leaves a batch whole for later when the database is full, storing none of it', async () => {
    const { ids, dbFile, clicksOf, hitRow } = await sentCampaign();
    const cramped = new Database(dbFile);
    const pages = cramped.pragma('page_count', { simple: true }) as number;
    cramped.pragma(`max_page_count = ${pages}`);
    const store = openHitStore(cramped);
    const rows = Array.from({ length: 3_000 }, () => hitRow(ids[2]!));

    const refused = store.apply({ kind: 'hits', rows });
    const countWhileFull = clicksOf(ids[2]!);
    cramped.pragma(`max_page_count = ${pages * 100}`);
    const stored = store.apply({ kind: 'hits', rows });
    cramped.close();

    expect(refused).toMatchObject({
      done: false,
      dropped: [],
      error: expect.stringMatching(/full/),
    });
    expect(countWhileFull).toBe(0);
    expect(stored.done).toBe(true);
    expect(clicksOf(ids[2]!)).toBe(3_000);
  });
});
