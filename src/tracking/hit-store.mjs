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

const FLAG_SWEEP = `UPDATE events SET machine = 1, machine_reason = ?
  WHERE message_id = ? AND type = 'clicked' AND occurred_at >= ? AND machine = 0`;

/** @param {unknown} error */
const codeOf = (error) => String(/** @type {{ code?: unknown }} */ (error)?.code ?? '');

/**
 * @typedef {(string | number | null)[]} HitRow
 * @typedef {{ kind: 'hits', rows: HitRow[] }} HitsWork
 * @typedef {{ kind: 'sweep', messageId: string, since: number, reason: string }} SweepWork
 *   The clicks of a message from `since` on were a machine's sweep: flag them.
 * @typedef {HitsWork | SweepWork} HitWork
 * @typedef {{ row: HitRow, error: string }} DroppedHit
 * @typedef {{ done: boolean, dropped: DroppedHit[], error: string | null }} WorkOutcome
 */

/**
 * Applies hit work to the database, a batch of hits in one transaction. A hit the database
 * refuses for good (a constraint: its message was erased since the click, say) is dropped
 * and reported, and the rest of its batch is stored. Any other database error (busy, full,
 * read-only) leaves the work undone, whole, for the caller to try again; an error that is not
 * the database's is a fault in the caller and is thrown.
 *
 * @param {import('better-sqlite3').Database} db
 */
export function openHitStore(db) {
  /** @type {ReturnType<typeof prepare> | undefined} */
  let prepared;
  // Prepared at the first work, inside its error handling: a schema the database cannot
  // compile yet is one more refusal to wait out.
  const statements = () => (prepared ??= prepare());
  const prepare = () => {
    const insert = db.prepare(INSERT_HIT);
    const flagSweep = db.prepare(FLAG_SWEEP);
    const insertAll = db.transaction((/** @type {HitRow[]} */ rows) => {
      /** @type {DroppedHit[]} */
      const dropped = [];
      for (const row of rows) {
        try {
          insert.run(row);
        } catch (error) {
          // A constraint undoes this one statement, not the transaction.
          if (!codeOf(error).startsWith('SQLITE_CONSTRAINT')) throw error;
          dropped.push({ row, error: String(error) });
        }
      }
      return dropped;
    });
    return { flagSweep, insertAll };
  };

  /**
   * @param {HitWork} work
   * @returns {WorkOutcome}
   */
  function apply(work) {
    try {
      const { flagSweep, insertAll } = statements();
      if (work.kind === 'sweep') {
        flagSweep.run(work.reason, work.messageId, work.since);
        return { done: true, dropped: [], error: null };
      }
      return { done: true, dropped: insertAll.immediate(work.rows), error: null };
    } catch (error) {
      if (!codeOf(error).startsWith('SQLITE_')) throw error;
      return { done: false, dropped: [], error: String(error) };
    }
  }

  return { apply };
}
