import express from 'express';
import pino from 'pino';
import pinoHttp from 'pino-http';
import { ConfigError, loadConfig } from './config';
import { createLeadsplit } from './index';
import { OutboxMailer } from './sending/outbox-mailer';
import { SendGridMailer } from './sending/sendgrid-mailer';

/** How long answers already begun may take once the server stops. */
const SHUTDOWN_GRACE_MS = 5_000;
/**
 * When the process gives up on an orderly stop: after the grace and the hit writer's own
 * patience (15 s), and before the 30 s most supervisors wait before they kill.
 */
const SHUTDOWN_LIMIT_MS = 25_000;

/** The standalone server: the plugin mounted at the root of an app of its own. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(78);
  }

  const logger = pino({
    name: 'leadsplit',
    level: config.logLevel,
    redact: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
  });
  const mailer = config.sendgrid
    ? new SendGridMailer(config.sendgrid)
    : new OutboxMailer(config.outboxDir);
  const leadsplit = createLeadsplit({
    database: config.database,
    publicUrl: config.publicUrl,
    secret: config.secret,
    apiKey: config.apiKey,
    adminPassword: config.adminPassword,
    mailer,
    sender: Object.fromEntries(Object.entries(config.sender).filter(([, v]) => v !== undefined)),
    sending: { ratePerSecond: config.sendRate, batchSize: config.sendBatchSize },
    sendgridWebhookPublicKey: config.sendgrid?.webhookPublicKey,
    notifications: config.notifications,
    postbacksPerMinute: config.postbacksPerMinute,
    logger,
  });
  logger.info({ mailer: mailer.name }, 'mailer chosen');

  // Shown once: only their hashes are kept.
  if (leadsplit.generated.apiKey) {
    process.stdout.write(
      `\nleadsplit generated an API key for /api. Keep it now; it will not be shown again:\n\n` +
        `  ${leadsplit.generated.apiKey}\n\n` +
        `Set LEADSPLIT_API_KEY to choose your own.\n\n`,
    );
  }
  if (leadsplit.generated.secret) {
    process.stdout.write(
      `leadsplit generated its signing secret. ` +
        `Your server signs conversion postbacks with it:\n\n` +
        `  ${leadsplit.generated.secret}\n\n` +
        `It is kept in the database. Set LEADSPLIT_SECRET to choose your own.\n\n`,
    );
  }
  if (leadsplit.generated.adminPassword) {
    process.stdout.write(
      `leadsplit generated the dashboard password. Keep it now; it will not be shown again:\n\n` +
        `  ${leadsplit.generated.adminPassword}\n\n` +
        `Sign in at ${config.publicUrl}/sign-in. ` +
        `Set LEADSPLIT_ADMIN_PASSWORD to choose your own.\n\n`,
    );
  }

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  const httpLogger = pinoHttp({ logger, quietReqLogger: true });
  // Tracking hits are the hot path and come by the thousand: no request log line for them
  // (their errors still reach the plugin's error log).
  // One layer in front of the plugin rather than two: every layer is paid by every click.
  app.use((req, res, next) => {
    if (req.url.startsWith('/t/')) leadsplit.router(req, res, next);
    else httpLogger(req, res, () => leadsplit.router(req, res, next));
  });

  const server = app.listen(config.port, () => {
    logger.info({ port: config.port, publicUrl: config.publicUrl }, 'leadsplit listening');
  });

  let stopping = false;
  const stop = (signal: string) => {
    // A second signal (an impatient terminal, a supervisor repeating itself) must not cut the
    // shutdown short: the hits still buffered are what it would lose.
    if (stopping) {
      logger.warn({ signal }, 'already shutting down');
      return;
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');

    // Connections busy at this moment stay open after their answer unless told to close, and
    // keep-alive clients would hold the shutdown until the grace ends.
    server.prependListener('request', (_req, res) => res.setHeader('Connection', 'close'));
    server.close(() => {
      void leadsplit.close().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
    server.closeIdleConnections();
    // A client that holds a request half-sent gets no answer (and so records nothing).
    setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS).unref();
    setTimeout(() => {
      logger.error('shutdown took too long; storing the buffered hits and stopping');
      leadsplit.hits.flush();
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

await main();
