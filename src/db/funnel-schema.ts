import { integer, primaryKey, real, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { campaigns } from './schema';

// The funnel's counts, kept up to date by triggers (see the funnel_counters migration) on
// every write to enrollments, messages, events and conversions, whoever writes: a report on
// a million leads reads a few rows instead of counting millions.

/** Per campaign, variant and phase: one row per figure (enrolled, leads, opened_human, ...). */
export const funnelCounts = sqliteTable(
  'funnel_counts',
  {
    campaignId: integer('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    variantId: integer('variant_id').notNull(),
    phase: text('phase').notNull(),
    metric: text('metric').notNull(),
    value: real('value').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.variantId, t.phase, t.metric] })],
);

/** Leads sent per UTC day, for the cumulative ratio over time. */
export const dailyLeads = sqliteTable(
  'daily_leads',
  {
    campaignId: integer('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    variantId: integer('variant_id').notNull(),
    phase: text('phase').notNull(),
    day: text('day').notNull(),
    leads: integer('leads').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.variantId, t.phase, t.day] })],
);

/** Leads and customers per channel (the prospect's source when the email was sent). */
export const channelCounts = sqliteTable(
  'channel_counts',
  {
    campaignId: integer('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    variantId: integer('variant_id').notNull(),
    phase: text('phase').notNull(),
    channel: text('channel').notNull(),
    leads: integer('leads').notNull().default(0),
    customers: integer('customers').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.variantId, t.phase, t.channel] })],
);
