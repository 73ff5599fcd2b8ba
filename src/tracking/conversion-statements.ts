import type { Sqlite } from '../db';

// The SQL of conversion intake, prepared once per database: a report costs a handful of
// indexed lookups, and a CRM file of many thousands of rows runs them in one transaction.

export interface Receipt {
  id: number;
  bodyHash: string;
  /** Null while the report's prospect is unknown. */
  prospectId: number | null;
  goal: string;
  value: number | null;
  currency: string | null;
  occurredAt: number;
  attributed: number;
}

export interface SentMessage {
  campaignId: number;
  /** Null for a held-out prospect, who was never emailed. */
  variantId: number | null;
  sentAt: number;
  goal: string;
  windowDays: number;
}

export interface StoredConversion {
  id: number;
  variantId: number | null;
  value: number | null;
  currency: string | null;
  occurredAt: number;
}

const statementsBySqlite = new WeakMap<Sqlite, ReturnType<typeof prepareStatements>>();

function prepareStatements(sqlite: Sqlite) {
  return {
    findReceipt: sqlite.prepare(
      `SELECT id, body_hash AS bodyHash, prospect_id AS prospectId, goal, value, currency,
              occurred_at AS occurredAt, attributed
         FROM conversion_receipts WHERE idempotency_key = ?`,
    ),
    insertReceipt: sqlite.prepare(
      `INSERT INTO conversion_receipts (idempotency_key, body_hash, source, goal, prospect_id,
                                        value, currency, occurred_at, received_at, attributed)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    updateReceipt: sqlite.prepare(
      `UPDATE conversion_receipts SET prospect_id = ?, attributed = ? WHERE id = ?`,
    ),
    findMessage: sqlite.prepare(
      `SELECT m.prospect_id AS prospectId, m.campaign_id AS campaignId, c.goal
         FROM messages m JOIN campaigns c ON c.id = m.campaign_id WHERE m.id = ?`,
    ),
    prospectByEmail: sqlite.prepare(`SELECT id FROM prospects WHERE email = ?`).pluck(),
    prospectsByExternalId: sqlite
      .prepare(`SELECT id FROM prospects WHERE external_id = ? LIMIT 2`)
      .pluck(),
    // A held-out prospect was never emailed; their conversions count against the campaign's
    // holdout from its launch on, within the same window, with no variant.
    sentMessages: sqlite.prepare(
      `SELECT m.campaign_id AS campaignId, m.variant_id AS variantId, m.sent_at AS sentAt,
              c.goal, c.attribution_window_days AS windowDays
         FROM messages m JOIN campaigns c ON c.id = m.campaign_id
        WHERE m.prospect_id = @prospectId AND m.status = 'sent' AND m.sent_at IS NOT NULL
       UNION ALL
       SELECT e.campaign_id, NULL, c.launched_at, c.goal, c.attribution_window_days
         FROM enrollments e JOIN campaigns c ON c.id = e.campaign_id
        WHERE e.prospect_id = @prospectId AND e.phase = 'holdout'
          AND c.launched_at IS NOT NULL`,
    ),
    findConversion: sqlite.prepare(
      `SELECT id, variant_id AS variantId, value, currency, occurred_at AS occurredAt
         FROM conversions WHERE campaign_id = ? AND prospect_id = ? AND goal = ?`,
    ),
    insertConversion: sqlite.prepare(
      `INSERT INTO conversions (campaign_id, variant_id, prospect_id, goal, value, currency,
                                occurred_at, source)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    updateConversion: sqlite.prepare(
      `UPDATE conversions SET value = ?, currency = ?, occurred_at = ? WHERE id = ?`,
    ),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;

export function statementsFor(sqlite: Sqlite): Statements {
  let statements = statementsBySqlite.get(sqlite);
  if (!statements) {
    statements = prepareStatements(sqlite);
    statementsBySqlite.set(sqlite, statements);
  }
  return statements;
}
