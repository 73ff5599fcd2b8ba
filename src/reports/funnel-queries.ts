// The funnel counted from the rows themselves, as raw prepared statements. Reports read the
// counts that the database's triggers keep (funnel_counts); these queries count the same
// figures the slow way, to check those counts against (tests) and to measure what they save
// (bench/reports.bench.ts).
//
// Each statement counts one variant at a time with equality on every leading column of its
// index, so SQLite walks one contiguous index range and counts as it goes.
import type { Statement } from 'better-sqlite3';
import type { Sqlite } from '../db';

/** Message phases as stored: the test, and the rest of the list a rollout reaches. */
export type MessagePhase = 'test' | 'remainder';

/** The event types the funnel counts, as stored in events.type. */
export type FunnelEventType = 'delivered' | 'bounced' | 'opened' | 'clicked';

/** Distinct messages with an event of one type: all of them, and those a person caused. */
export interface Reach {
  /** Messages with at least one such event, whoever or whatever caused it. */
  raw: number;
  /** Messages with at least one such event that was not taken for a machine's. */
  human: number;
}

/** Customers and their value for one variant on one UTC day. */
export interface ConversionDayRow {
  variantId: number;
  day: string;
  customers: number;
  value: number;
  valueSquares: number;
}

interface Statements {
  enrolled: Statement;
  hasEnrollment: Statement;
  leads: Statement;
  leadsInPhase: Statement;
  distinct: Statement;
  anyEvent: Statement;
  distinctEither: Statement;
  reachInPhase: Statement;
  conversionDays: Statement;
}

function prepare(sqlite: Sqlite): Statements {
  return {
    enrolled: sqlite
      .prepare(
        `SELECT count(*) FROM enrollments
          WHERE campaign_id = @campaignId AND phase = @phase AND variant_id = @variantId`,
      )
      .pluck(),
    hasEnrollment: sqlite
      .prepare(
        `SELECT EXISTS (SELECT 1 FROM enrollments
          WHERE campaign_id = @campaignId AND phase = @phase AND variant_id = @variantId)`,
      )
      .pluck(),
    leads: sqlite
      .prepare(
        `SELECT count(*) FROM messages
          WHERE campaign_id = @campaignId AND variant_id = @variantId AND status = 'sent'`,
      )
      .pluck(),
    // TODO: no index of messages holds the phase, so every message of the variant is read
    // from the table; an index on (campaign_id, phase, variant_id, status) would count it.
    leadsInPhase: sqlite
      .prepare(
        `SELECT count(*) FROM messages
          WHERE campaign_id = @campaignId AND variant_id = @variantId AND status = 'sent'
            AND phase = @phase`,
      )
      .pluck(),
    // With the machine flag fixed, events_funnel hands message ids over in order, so the
    // DISTINCT is a comparison with the previous id rather than a temporary b-tree.
    distinct: sqlite
      .prepare(
        `SELECT count(DISTINCT message_id) FROM events
          WHERE campaign_id = @campaignId AND type = @type AND variant_id = @variantId
            AND machine = @machine`,
      )
      .pluck(),
    anyEvent: sqlite
      .prepare(
        `SELECT EXISTS (SELECT 1 FROM events
          WHERE campaign_id = @campaignId AND type = @type AND variant_id = @variantId
            AND machine = @machine)`,
      )
      .pluck(),
    // Messages with a person's event, a machine's, or both: the two ordered index ranges are
    // merged (the ORDER BY is what makes SQLite merge them instead of building a b-tree).
    distinctEither: sqlite
      .prepare(
        `SELECT count(*) FROM (
           SELECT message_id FROM events
            WHERE campaign_id = @campaignId AND type = @type AND variant_id = @variantId
              AND machine = 0
           UNION
           SELECT message_id FROM events
            WHERE campaign_id = @campaignId AND type = @type AND variant_id = @variantId
              AND machine = 1
           ORDER BY 1)`,
      )
      .pluck(),
    // Events carry no phase, so each one is looked up on its message: only done for a variant
    // whose messages span both phases, which only a rollout produces.
    // TODO: seconds on a large rollout; events need the message's phase (copied at insert, as
    // campaign_id and variant_id are) and events_funnel needs it after campaign_id.
    reachInPhase: sqlite.prepare(
      `SELECT count(DISTINCT e.message_id) AS raw,
              count(DISTINCT CASE WHEN e.machine = 0 THEN e.message_id END) AS human
         FROM events e CROSS JOIN messages m
        WHERE e.campaign_id = @campaignId AND e.type = @type AND e.variant_id = @variantId
          AND m.id = e.message_id AND m.phase = @phase`,
    ),
    // Conversions are matched to the lead's own message, which settles the variant, the
    // phase and whether the email went out. CROSS JOIN keeps the planner on the conversions
    // first: the other way round reads every message of the campaign. DISTINCT keeps a
    // customer once per variant even if they were emailed in both phases.
    conversionDays: sqlite.prepare(
      `SELECT variant_id AS variantId, day, count(*) AS customers, total(value) AS value,
              total(value * value) AS valueSquares
         FROM (SELECT DISTINCT m.variant_id, c.id, c.value,
                      date(c.occurred_at / 1000, 'unixepoch') AS day
                 FROM conversions c CROSS JOIN messages m
                WHERE c.campaign_id = @campaignId AND c.goal = @goal
                  AND m.campaign_id = c.campaign_id AND m.prospect_id = c.prospect_id
                  AND m.status = 'sent' AND (@phase = 'all' OR m.phase = @phase))
        GROUP BY variant_id, day
        ORDER BY variant_id, day`,
    ),
  };
}

const cache = new WeakMap<Sqlite, Statements>();

function statements(sqlite: Sqlite): Statements {
  let found = cache.get(sqlite);
  if (!found) {
    found = prepare(sqlite);
    cache.set(sqlite, found);
  }
  return found;
}

/** Which of a variant's messages to count, and how. */
export interface VariantScope {
  campaignId: number;
  variantId: number;
  /**
   * The single phase to keep, when the variant also has messages of a phase not asked for;
   * null when every message of the variant counts, which lets the counts skip the phase.
   */
  phaseFilter: MessagePhase | null;
}

export function countEnrolled(
  sqlite: Sqlite,
  campaignId: number,
  variantId: number,
  phase: MessagePhase,
): number {
  return statements(sqlite).enrolled.get({ campaignId, variantId, phase }) as number;
}

/**
 * Whether any prospect of the campaign is enrolled in `phase` with the variant. Launch writes
 * a test enrollment with every test message, and a rollout sets a remainder enrollment's
 * variant before queueing its message, so no enrollment means no message of that phase.
 */
export function hasEnrollment(
  sqlite: Sqlite,
  campaignId: number,
  variantId: number,
  phase: MessagePhase,
): boolean {
  return statements(sqlite).hasEnrollment.get({ campaignId, variantId, phase }) === 1;
}

export function countLeads(sqlite: Sqlite, scope: VariantScope): number {
  const s = statements(sqlite);
  const { campaignId, variantId, phaseFilter } = scope;
  if (phaseFilter === null) return s.leads.get({ campaignId, variantId }) as number;
  return s.leadsInPhase.get({ campaignId, variantId, phase: phaseFilter }) as number;
}

export function countReach(sqlite: Sqlite, scope: VariantScope, type: FunnelEventType): Reach {
  const s = statements(sqlite);
  const { campaignId, variantId, phaseFilter } = scope;
  if (phaseFilter !== null) {
    return s.reachInPhase.get({ campaignId, variantId, type, phase: phaseFilter }) as Reach;
  }

  const key = { campaignId, variantId, type };
  const human = s.distinct.get({ ...key, machine: 0 }) as number;
  // Deliveries and bounces come from the provider and are not flagged as a machine's: the
  // merge of both ranges is only paid for when there is something to merge.
  if (s.anyEvent.get({ ...key, machine: 1 }) === 0) return { raw: human, human };
  if (human === 0) return { raw: s.distinct.get({ ...key, machine: 1 }) as number, human };
  return { raw: s.distinctEither.get(key) as number, human };
}

/** EXPLAIN QUERY PLAN of every statement, to check (and test) that each stays on its index. */
export function explainFunnelQueries(sqlite: Sqlite): Record<keyof Statements, string[]> {
  const params = {
    campaignId: 0,
    variantId: 0,
    phase: 'test',
    type: 'clicked',
    machine: 0,
    goal: '',
  };
  const plans = Object.entries(statements(sqlite)).map(([name, statement]) => {
    const rows = sqlite.prepare(`EXPLAIN QUERY PLAN ${statement.source}`).all(params);
    return [name, (rows as { detail: string }[]).map((row) => row.detail)];
  });
  return Object.fromEntries(plans) as Record<keyof Statements, string[]>;
}

/** Customers and value per variant and UTC day, ascending by variant then day. */
export function conversionDays(
  sqlite: Sqlite,
  campaignId: number,
  goal: string,
  phase: MessagePhase | 'all',
): ConversionDayRow[] {
  return statements(sqlite).conversionDays.all({ campaignId, goal, phase }) as ConversionDayRow[];
}
