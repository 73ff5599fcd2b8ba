import { sql } from 'drizzle-orm';
import {
  index,
  integer,
  primaryKey,
  real,
  sqliteTable,
  text,
  uniqueIndex,
} from 'drizzle-orm/sqlite-core';

// Times are stored as integer milliseconds since the epoch: compact, sortable, and the same
// on every driver.

/** Values the product generates once and keeps: its secret, the API key's hash. */
export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
});

export const prospects = sqliteTable(
  'prospects',
  {
    id: integer('id').primaryKey(),
    email: text('email').notNull(),
    firstName: text('first_name'),
    lastName: text('last_name'),
    externalId: text('external_id'),
    source: text('source'),
    /** Extra CSV columns, as a JSON object of strings. */
    attributes: text('attributes'),
    /** active, unsubscribed, bounced or complained; anything but active is never emailed. */
    status: text('status').notNull().default('active'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('prospects_email').on(t.email),
    index('prospects_external_id').on(t.externalId),
  ],
);

/**
 * Suppressions that outlived their prospect: an erased prospect who had unsubscribed, bounced
 * or complained leaves the SHA-256 of its address here, so that importing the address again
 * brings the suppression back instead of an email. Unkeyed, so that a new secret keeps it.
 */
export const suppressedAddresses = sqliteTable('suppressed_addresses', {
  emailHash: text('email_hash').primaryKey(),
  /** The prospect's status when erased: unsubscribed, bounced or complained. */
  status: text('status').notNull(),
  createdAt: integer('created_at').notNull(),
});

export const campaigns = sqliteTable('campaigns', {
  id: integer('id').primaryKey(),
  name: text('name').notNull(),
  goal: text('goal').notNull(),
  /** draft, testing, decided, rolling_out, completed, paused, cancelled */
  status: text('status').notNull().default('draft'),
  testFraction: real('test_fraction').notNull(),
  confidence: real('confidence').notNull(),
  minimumDetectableEffect: real('minimum_detectable_effect').notNull(),
  /** Random per campaign, so that assignments in different campaigns are independent. */
  salt: text('salt').notNull(),
  /** The From address; the plugin's default sender when null. */
  fromEmail: text('from_email'),
  replyTo: text('reply_to'),
  /** The sender's postal address for the footer; the plugin's default when null. */
  postalAddress: text('postal_address'),
  /** Fallbacks for template fields a prospect lacks, as a JSON object: {"first_name": "there"}. */
  fieldDefaults: text('field_defaults'),
  /** The state a paused campaign returns to when resumed. */
  pausedFrom: text('paused_from'),
  /** The variant sent to the remainder, once a rollout chose it. */
  rolloutVariantId: integer('rollout_variant_id'),
  /** How long the test runs before a decision is forced by the no-winner rule. */
  testDurationHours: integer('test_duration_hours').notNull().default(72),
  /** Send the chosen variant to the remainder as soon as the test is decided. */
  autoRollout: integer('auto_rollout', { mode: 'boolean' }).notNull().default(false),
  /** What a deadline without a winner sends: control, best (most likely best) or hold. */
  noWinnerRule: text('no_winner_rule').notNull().default('control'),
  /** Share of the list that gets no email at all, to measure what the campaign adds. */
  holdoutFraction: real('holdout_fraction').notNull().default(0),
  /** How the test was decided, as JSON: { rule, variant, reason, decidedAt }. */
  decision: text('decision'),
  /** A conversion counts when it comes within this many days after the email was sent. */
  attributionWindowDays: integer('attribution_window_days').notNull().default(30),
  createdAt: integer('created_at').notNull(),
  updatedAt: integer('updated_at').notNull(),
  launchedAt: integer('launched_at'),
});

export const variants = sqliteTable(
  'variants',
  {
    id: integer('id').primaryKey(),
    campaignId: integer('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    name: text('name').notNull(),
    subject: text('subject').notNull(),
    preheader: text('preheader'),
    senderName: text('sender_name'),
    /** Name of a template in templates/emails, or null when the variant carries its own html. */
    template: text('template'),
    html: text('html'),
    weight: real('weight').notNull(),
    isControl: integer('is_control', { mode: 'boolean' }).notNull(),
    position: integer('position').notNull(),
  },
  (t) => [uniqueIndex('variants_campaign_key').on(t.campaignId, t.key)],
);

export const links = sqliteTable(
  'links',
  {
    id: integer('id').primaryKey(),
    campaignId: integer('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    url: text('url').notNull(),
    label: text('label'),
    /** Whether a click carries the conversion token (lsid) on to the destination. */
    appendToken: integer('append_token', { mode: 'boolean' }).notNull().default(true),
  },
  (t) => [uniqueIndex('links_campaign_key').on(t.campaignId, t.key)],
);

/** The campaign's list: prospects imported into it, enrolled or not yet. */
export const campaignProspects = sqliteTable(
  'campaign_prospects',
  {
    campaignId: integer('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    prospectId: integer('prospect_id')
      .notNull()
      .references(() => prospects.id, { onDelete: 'cascade' }),
    importedAt: integer('imported_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.prospectId] })],
);

export const enrollments = sqliteTable(
  'enrollments',
  {
    campaignId: integer('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    prospectId: integer('prospect_id')
      .notNull()
      .references(() => prospects.id, { onDelete: 'cascade' }),
    bucket: real('bucket').notNull(),
    /** test or remainder */
    phase: text('phase').notNull(),
    /** Null for the remainder until a rollout picks the variant it receives. */
    variantId: integer('variant_id').references(() => variants.id),
    enrolledAt: integer('enrolled_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.campaignId, t.prospectId] }),
    index('enrollments_campaign_phase_variant').on(t.campaignId, t.phase, t.variantId),
  ],
);

export const messages = sqliteTable(
  'messages',
  {
    /** Random and unguessable: the key of every tracking link in the email. */
    id: text('id').primaryKey(),
    campaignId: integer('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    variantId: integer('variant_id')
      .notNull()
      .references(() => variants.id),
    prospectId: integer('prospect_id')
      .notNull()
      .references(() => prospects.id, { onDelete: 'cascade' }),
    phase: text('phase').notNull(),
    /** queued, sending, sent, failed, cancelled, unknown */
    status: text('status').notNull().default('queued'),
    queuedAt: integer('queued_at').notNull(),
    /** The batch that carries (or last carried) the message to the provider. */
    batchId: text('batch_id'),
    attempts: integer('attempts').notNull().default(0),
    /** Not before this time: set when a provider asked to retry later. */
    nextAttemptAt: integer('next_attempt_at'),
    sentAt: integer('sent_at'),
    /** When the provider first reported the email delivered; null without such a report. */
    deliveredAt: integer('delivered_at'),
    providerMessageId: text('provider_message_id'),
    error: text('error'),
  },
  (t) => [
    // One email of a campaign per prospect and phase: the database itself refuses a double.
    uniqueIndex('messages_campaign_prospect_phase').on(t.campaignId, t.prospectId, t.phase),
    index('messages_status').on(t.status, t.campaignId, t.variantId),
    index('messages_batch').on(t.batchId),
    index('messages_prospect').on(t.prospectId),
    // Covers a tracking hit's one lookup, and the funnel triggers' look at a message's phase.
    index('messages_lookup').on(t.id, t.campaignId, t.variantId, t.phase, t.sentAt, t.deliveredAt),
    index('messages_campaign_variant').on(t.campaignId, t.variantId, t.status),
  ],
);

/**
 * One request to the mail provider, carrying up to 1,000 messages of one variant. Its id
 * travels with the request, so a batch in flight at a crash can be recognised afterwards.
 */
export const sendBatches = sqliteTable(
  'send_batches',
  {
    id: text('id').primaryKey(),
    campaignId: integer('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    variantId: integer('variant_id')
      .notNull()
      .references(() => variants.id),
    /** in_flight, sent, retry, failed, unknown */
    status: text('status').notNull(),
    size: integer('size').notNull(),
    mailer: text('mailer').notNull(),
    createdAt: integer('created_at').notNull(),
    /**
     * Until when the worker that sent it may still be waiting for the provider's answer. A
     * batch still in flight after that belongs to a worker that died mid-request.
     */
    leaseUntil: integer('lease_until').notNull(),
    finishedAt: integer('finished_at'),
    providerMessageId: text('provider_message_id'),
    error: text('error'),
  },
  (t) => [index('send_batches_status').on(t.status, t.leaseUntil)],
);

/**
 * Every event a provider's webhook delivered, as received: the provider's event id makes a
 * retried delivery a no-op, and types leadsplit does not use are kept here and go no further.
 */
export const webhookEvents = sqliteTable(
  'webhook_events',
  {
    id: integer('id').primaryKey(),
    provider: text('provider').notNull(),
    providerEventId: text('provider_event_id').notNull(),
    type: text('type').notNull(),
    messageId: text('message_id'),
    occurredAt: integer('occurred_at'),
    receivedAt: integer('received_at').notNull(),
    payload: text('payload').notNull(),
  },
  (t) => [uniqueIndex('webhook_events_provider_event').on(t.provider, t.providerEventId)],
);

export const events = sqliteTable(
  'events',
  {
    id: integer('id').primaryKey(),
    messageId: text('message_id')
      .notNull()
      .references(() => messages.id, { onDelete: 'cascade' }),
    campaignId: integer('campaign_id').notNull(),
    variantId: integer('variant_id').notNull(),
    /** delivered, bounced, opened, clicked, unsubscribed, ... */
    type: text('type').notNull(),
    occurredAt: integer('occurred_at').notNull(),
    linkKey: text('link_key'),
    userAgent: text('user_agent'),
    ipHash: text('ip_hash'),
    machine: integer('machine', { mode: 'boolean' }).notNull().default(false),
    /** Why the event was taken for a machine's, when it was. */
    machineReason: text('machine_reason'),
    /** The provider's own id of the event, so a webhook retried is stored once. */
    providerEventId: text('provider_event_id'),
  },
  (t) => [
    // Covers the per-variant funnel: counts of distinct messages by type, human or not.
    index('events_funnel').on(t.campaignId, t.type, t.variantId, t.machine, t.messageId),
    // Covers the funnel triggers' question: has this message had an event of this type?
    index('events_message_type').on(t.messageId, t.type, t.machine),
    uniqueIndex('events_provider_event_id')
      .on(t.providerEventId)
      .where(sql`provider_event_id IS NOT NULL`),
  ],
);

export const conversions = sqliteTable(
  'conversions',
  {
    id: integer('id').primaryKey(),
    campaignId: integer('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    variantId: integer('variant_id').references(() => variants.id),
    prospectId: integer('prospect_id')
      .notNull()
      .references(() => prospects.id, { onDelete: 'cascade' }),
    goal: text('goal').notNull(),
    value: real('value'),
    currency: text('currency'),
    occurredAt: integer('occurred_at').notNull(),
    source: text('source').notNull(),
    /** The phase of the email the conversion is credited to; set by the database on insert. */
    phase: text('phase'),
  },
  (t) => [
    uniqueIndex('conversions_campaign_prospect_goal').on(t.campaignId, t.prospectId, t.goal),
    index('conversions_campaign_variant').on(t.campaignId, t.variantId),
    index('conversions_campaign_phase_day').on(t.campaignId, t.phase, t.variantId, t.occurredAt),
  ],
);

/**
 * Every conversion report received, by its idempotency key: a repeated report is recognised
 * and counted once, and values add up only across distinct keys.
 */
export const conversionReceipts = sqliteTable(
  'conversion_receipts',
  {
    id: integer('id').primaryKey(),
    idempotencyKey: text('idempotency_key').notNull(),
    /** SHA-256 of what the report said, to tell a retry from a different report reusing a key. */
    bodyHash: text('body_hash').notNull(),
    /** postback, pixel or import */
    source: text('source').notNull(),
    goal: text('goal').notNull(),
    prospectId: integer('prospect_id').references(() => prospects.id, { onDelete: 'cascade' }),
    value: real('value'),
    currency: text('currency'),
    occurredAt: integer('occurred_at').notNull(),
    receivedAt: integer('received_at').notNull(),
    /** How many campaigns it counted for; 0 when no campaign's email explains it. */
    attributed: integer('attributed').notNull(),
  },
  (t) => [
    uniqueIndex('conversion_receipts_key').on(t.idempotencyKey),
    index('conversion_receipts_prospect').on(t.prospectId),
  ],
);

/**
 * Dashboard sign-ins. Only a hash of the cookie's value is kept, so a copy of the database
 * opens no session.
 */
export const sessions = sqliteTable(
  'sessions',
  {
    idHash: text('id_hash').primaryKey(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
  },
  (t) => [index('sessions_expires').on(t.expiresAt)],
);

/**
 * Work the server does by itself at a set time (deciding a test when its window ends). A job
 * is taken under a lease, so two server processes on one database never run it twice, and
 * one that was due while the server was down runs once it is back.
 */
export const jobs = sqliteTable(
  'jobs',
  {
    id: integer('id').primaryKey(),
    kind: text('kind').notNull(),
    campaignId: integer('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    dueAt: integer('due_at').notNull(),
    leaseOwner: text('lease_owner'),
    leaseUntil: integer('lease_until'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    doneAt: integer('done_at'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    index('jobs_due').on(t.doneAt, t.dueAt),
    uniqueIndex('jobs_pending_kind')
      .on(t.campaignId, t.kind)
      .where(sql`done_at IS NULL`),
  ],
);

export * from './funnel-schema';
