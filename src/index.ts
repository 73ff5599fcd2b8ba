import type { Router } from 'express';
import pino, { type Logger } from 'pino';
import type { Context, Sender } from './context';
import { resolveAdminPassword } from './accounts/admin';
import { resolveApiKey, resolveSecret } from './credentials';
import {
  DEFAULT_SCHEDULER_SETTINGS,
  Scheduler,
  type SchedulerSettings,
} from './campaigns/scheduler';
import { Notifier, type NotificationSettings } from './campaigns/notifications';
import { migrateDatabase, openDatabase, type Sqlite } from './db';
import { buildRouter } from './http/router';
import type { Mailer } from './sending/mailer';
import { OutboxMailer } from './sending/outbox-mailer';
import { HitRecorder } from './tracking/hits';
import { DEFAULT_WORKER_SETTINGS, SendWorker, type WorkerSettings } from './sending/worker';

export interface LeadsplitOptions {
  /** A SQLite file path, or an open better-sqlite3 handle the host keeps ownership of. */
  database: string | Sqlite;
  /**
   * Absolute URL where the plugin is reachable from outside, including the prefix the host
   * mounts it at (`https://example.com/ab`). Tracking links in emails start with it.
   */
  publicUrl: string;
  /** Signs postbacks and tokens. Generated once and kept in the database when absent. */
  secret?: string;
  /** The bearer key for /api. Generated once, stored hashed, when absent. */
  apiKey?: string;
  /** The dashboard's password. Generated once, stored as an scrypt hash, when absent. */
  adminPassword?: string;
  /** Sends the emails; an outbox writing .eml files under outboxDir when absent. */
  mailer?: Mailer;
  /** Where the default outbox mailer writes (default ./outbox). */
  outboxDir?: string;
  /** Who emails come from unless a campaign says otherwise. */
  sender?: Partial<Sender>;
  /** Send queue settings: rate, batch size, retries. */
  sending?: Partial<WorkerSettings>;
  /** Run the send worker in this process (default true). */
  sendWorker?: boolean;
  /** Run the job scheduler (deciding tests when due) in this process (default true). */
  scheduler?: boolean;
  scheduling?: Partial<SchedulerSettings>;
  /** Where verdicts and finished rollouts are announced: a webhook URL and an email address. */
  notifications?: NotificationSettings;
  /** The public key that signs SendGrid's event webhook; events are taken unsigned without it. */
  sendgridWebhookPublicKey?: string;
  logger?: Logger;
  clock?: () => Date;
  /** The largest prospect upload taken, in bytes (default 100 MiB). */
  maxImportBytes?: number;
  /** The largest CRM conversion upload (POST /api/conversions) taken, in bytes (default 20 MiB). */
  maxConversionImportBytes?: number;
  /** Signed conversion postbacks taken per client address per minute (default 120). */
  postbacksPerMinute?: number;
  /**
   * Store clicks and opens from a thread with its own connection (default true), so that
   * requests never wait on the database's writes. An in-memory database always writes inline.
   */
  hitWriterThread?: boolean;
}

export interface Leadsplit {
  router: Router;
  /** Stops the send worker (letting a batch in flight finish) and closes what it opened. */
  close(): Promise<void>;
  /** Credentials generated on this start, to be shown once to the operator. */
  generated: { apiKey?: string; adminPassword?: string; secret?: string };
  /** The send queue's worker: started unless sendWorker is false; drain() sends what is due. */
  worker: SendWorker;
  mailer: Mailer;
  /** Webhooks and emails to the marketer; settled() waits for those on their way. */
  notifier: Notifier;
  /** Decides tests when due; runDue() runs what is due now. */
  scheduler: Scheduler;
  /** Clicks and opens waiting to be written; flush() writes them now. */
  hits: HitRecorder;
  /** For the host's own wiring and for tests. */
  context: Context;
}

const DEFAULT_SENDER: Sender = {
  email: 'campaigns@localhost',
  name: 'leadsplit',
  postalAddress: 'Set the postal address in leadsplit settings',
};

export function createLeadsplit(options: LeadsplitOptions): Leadsplit {
  const logger = options.logger ?? pino({ name: 'leadsplit' });
  const { sqlite, db } = openDatabase(options.database);
  migrateDatabase(db);

  const { secret, generated: generatedSecret } = resolveSecret(sqlite, options.secret);
  const context: Context = {
    // Replaced below, once the notifier (which needs this context) exists.
    notify: () => undefined,
    secret,
    db,
    sqlite,
    logger,
    clock: options.clock ?? (() => new Date()),
    publicUrl: options.publicUrl.replace(/\/+$/, ''),
    sender: { ...DEFAULT_SENDER, ...options.sender },
  };
  const apiKey = resolveApiKey(sqlite, options.apiKey);
  const admin = resolveAdminPassword(sqlite, options.adminPassword);
  const mailer = options.mailer ?? new OutboxMailer(options.outboxDir ?? './outbox');
  const notifier = new Notifier(context, mailer, options.notifications ?? {});
  context.notify = (notification) => notifier.notify(notification);
  const worker = new SendWorker(context, mailer, {
    ...DEFAULT_WORKER_SETTINGS,
    ...options.sending,
  });

  const hits = new HitRecorder(context, { writerThread: options.hitWriterThread });
  const scheduler = new Scheduler(context, {
    ...DEFAULT_SCHEDULER_SETTINGS,
    ...options.scheduling,
  });
  const router = buildRouter(context, {
    admin,
    hits,
    apiKey,
    maxImportBytes: options.maxImportBytes ?? 100 * 1024 * 1024,
    maxConversionImportBytes: options.maxConversionImportBytes,
    postbacksPerMinute: options.postbacksPerMinute,
    onQueued: () => worker.poke(),
    mailer,
    sendgridWebhookPublicKey: options.sendgridWebhookPublicKey,
  });
  if (options.sendWorker !== false) worker.start();
  if (options.scheduler !== false) scheduler.start();
  const ownsDatabase = typeof options.database === 'string';

  return {
    router,
    generated: {
      apiKey: apiKey.generated,
      adminPassword: admin.generated,
      secret: generatedSecret,
    },
    worker,
    mailer,
    context,
    hits,
    scheduler,
    notifier,
    async close() {
      // Hits first: they are what a slow shutdown would lose.
      await hits.close();
      scheduler.stop();
      await worker.stop();
      await notifier.settled();
      if (ownsDatabase && sqlite.open) sqlite.close();
    },
  };
}

export type { Context, Sender } from './context';
export { AppError } from './errors';
export type { Mailer, OutgoingBatch, SendResult } from './sending/mailer';
export { MailerError } from './sending/mailer';
export { OutboxMailer } from './sending/outbox-mailer';
export { SendGridMailer } from './sending/sendgrid-mailer';
