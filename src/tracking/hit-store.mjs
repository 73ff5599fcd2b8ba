// How tracking hits reach the events table. Plain JavaScript, because the writer thread loads
// it without the TypeScript loader; the request thread uses it too when it writes for itself.

/** Column order of a stored hit, as the writer thread receives it. */
export const HIT_COLUMNS = [
  'message_id',
  'campaign_id',
  'variant_id',
  'type',
  'occurred_at',
  'link_key',
  'user_agent',
  'ip_hash',
  'machine',
  'machine_reason',
];

const INSERT_HIT = `INSERT INTO events (${HIT_COLUMNS.join(', ')})
  VALUES (${HIT_COLUMNS.map(() => '?').join(', ')})`;

/** @param {unknown} error */
const isBusy = (error) =>
  /^SQLITE_(BUSY|LOCKED)/.test(String(/** @type {{ code?: unknown }} */ (error)?.code ?? ''));

/**
 * @typedef {(string | number | null)[]} HitRow
 * @typedef {{ row: HitRow, error: string }} DroppedHit
 * @typedef {{ retry: HitRow[], dropped: DroppedHit[] }} StoreOutcome
 */

/**
 * Writes batches of hits in one transaction each. A batch the database refuses as a whole
 * (a hit whose message was erased since the click, say) is written row by row, so that one
 * bad hit is dropped and reported instead of holding back every hit after it. A busy
 * database keeps what is left for the next try.
 *
 * @param {import('better-sqlite3').Database} db
 */
export function openHitStore(db) {
  const insert = db.prepare(INSERT_HIT);
  const insertAll = db.transaction((/** @type {HitRow[]} */ rows) => {
    for (const row of rows) insert.run(row);
  });

  /**
   * @param {HitRow[]} rows
   * @returns {StoreOutcome}
   */
  function store(rows) {
    try {
      insertAll.immediate(rows);
      return { retry: [], dropped: [] };
    } catch (error) {
      if (isBusy(error)) return { retry: rows, dropped: [] };
    }
    /** @type {DroppedHit[]} */
    const dropped = [];
    for (let i = 0; i < rows.length; i++) {
      try {
        insert.run(rows[i]);
      } catch (error) {
        if (isBusy(error)) return { retry: rows.slice(i), dropped };
        dropped.push({ row: rows[i] ?? [], error: String(error) });
      }
    }
    return { retry: [], dropped };
  }

  return { store };
}
