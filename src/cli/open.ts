import { existsSync } from 'node:fs';
import pino from 'pino';
import type { ServerConfig } from '../config';
import { notFound } from '../errors';
import type { Leadsplit } from '../index';
import type { Mailer } from '../sending/mailer';
import { OutboxMailer } from '../sending/outbox-mailer';
import type { Io } from './command';

/** The mailer the server would use with the same environment. */
async function mailerFor(config: ServerConfig): Promise<Mailer> {
  if (!config.sendgrid) return new OutboxMailer(config.outboxDir);
  const { SendGridMailer } = await import('../sending/sendgrid-mailer');
  return new SendGridMailer(config.sendgrid);
}

/** Refuses a database file that does not exist, so a command run in the wrong folder says so. */
export function requireDatabaseFile(file: string): void {
  if (file !== ':memory:' && !existsSync(file)) {
    throw notFound(
      `The database ${file} (set LEADSPLIT_DATABASE or --database; ` +
        '`leadsplit create` or `leadsplit migrate` makes a new one)',
    );
  }
}

/** Credentials made on this start are shown once, as the server does, on stderr. */
function showGenerated(generated: Leadsplit['generated'], io: Io): void {
  const lines: string[] = [];
  if (generated.apiKey) lines.push(`  API key for /api:     ${generated.apiKey}`);
  if (generated.adminPassword) lines.push(`  dashboard password:   ${generated.adminPassword}`);
  if (generated.secret) lines.push(`  signing secret:       ${generated.secret}`);
  if (lines.length === 0) return;
  io.stderr.write(
    'leadsplit generated credentials for this new database. Keep them now; the key and ' +
      'the password will not be shown again:\n\n' +
      `${lines.join('\n')}\n\n` +
      'Set LEADSPLIT_API_KEY, LEADSPLIT_ADMIN_PASSWORD and LEADSPLIT_SECRET ' +
      'to choose your own.\n\n',
  );
}

export interface OpenOptions {
  /** Make the database when the file does not exist (create); otherwise that is a 404. */
  create?: boolean;
}

/**
 * Opens leadsplit on the configured database, wired as the standalone server wires it (same
 * mailer, sender, send rate, notifications), without its background work: commands send by
 * draining the queue themselves, and a command that only reads must not decide or roll out a
 * test as a side effect, as the scheduler would. Logs go to stderr, so that stdout carries
 * only the command's output.
 */
export async function openLeadsplit(
  config: ServerConfig,
  io: Io,
  options: OpenOptions = {},
): Promise<Leadsplit> {
  if (!options.create) requireDatabaseFile(config.database);
  // Loaded here rather than at the top: the app's modules (the HTTP layer, the charts) take a
  // moment to load, which `--help` and a mistyped command should not wait for.
  const { createLeadsplit } = await import('../index');

  const logger = pino({ name: 'leadsplit', level: config.logLevel }, pino.destination(2));
  const leadsplit = createLeadsplit({
    database: config.database,
    publicUrl: config.publicUrl,
    secret: config.secret,
    apiKey: config.apiKey,
    adminPassword: config.adminPassword,
    mailer: await mailerFor(config),
    sender: Object.fromEntries(Object.entries(config.sender).filter(([, v]) => v !== undefined)),
    sending: { ratePerSecond: config.sendRate, batchSize: config.sendBatchSize },
    sendgridWebhookPublicKey: config.sendgrid?.webhookPublicKey,
    notifications: config.notifications,
    sendWorker: false,
    scheduler: false,
    logger,
  });
  showGenerated(leadsplit.generated, io);
  return leadsplit;
}

/** Runs `work` on an open leadsplit and closes it afterwards, whatever happens. */
export async function withLeadsplit<T>(
  config: ServerConfig,
  io: Io,
  work: (leadsplit: Leadsplit) => Promise<T> | T,
  options: OpenOptions = {},
): Promise<T> {
  const leadsplit = await openLeadsplit(config, io, options);
  try {
    return await work(leadsplit);
  } finally {
    await leadsplit.close();
  }
}
