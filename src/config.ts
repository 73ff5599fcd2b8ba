import { z } from 'zod';

/** Settings of the standalone server, read from the environment once at start-up. */
export interface ServerConfig {
  port: number;
  database: string;
  publicUrl: string;
  secret?: string;
  apiKey?: string;
  adminPassword?: string;
  outboxDir: string;
  sender: { email?: string; name?: string; postalAddress?: string };
  /** Messages per second the send queue may hand to the mailer. */
  sendRate: number;
  /** Messages per provider request. */
  sendBatchSize: number;
  notifications: { url?: string; email?: string };
  /** Signed conversion postbacks taken per client address per minute. */
  postbacksPerMinute: number;
  sendgrid?: { apiKey: string; apiUrl?: string; webhookPublicKey?: string; timeoutMs: number };
  logLevel: string;
}

const optional = z
  .string()
  .transform((s) => s.trim())
  .optional()
  .transform((s) => (s ? s : undefined));

const httpUrl = z
  .url({ protocol: /^https?$/, message: 'must be an absolute http(s) URL' })
  .transform((s) => s.replace(/\/+$/, ''));

const environment = z.object({
  PORT: z.coerce
    .number({ message: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be between 1 and 65535')
    .max(65535, 'must be between 1 and 65535')
    .default(3000),
  LEADSPLIT_DATABASE: optional,
  LEADSPLIT_PUBLIC_URL: optional.pipe(httpUrl.optional()),
  LEADSPLIT_SECRET: optional.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
  LEADSPLIT_API_KEY: optional.pipe(z.string().min(24, 'must be at least 24 characters').optional()),
  LEADSPLIT_ADMIN_PASSWORD: optional.pipe(
    z.string().min(12, 'must be at least 12 characters').optional(),
  ),
  LEADSPLIT_OUTBOX_DIR: optional,
  LEADSPLIT_SENDER_EMAIL: optional.pipe(
    z.email({ message: 'must be an email address' }).optional(),
  ),
  LEADSPLIT_SENDER_NAME: optional.pipe(z.string().max(100).optional()),
  LEADSPLIT_POSTAL_ADDRESS: optional.pipe(z.string().max(300).optional()),
  LEADSPLIT_SEND_RATE: z.coerce
    .number({ message: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1 message per second')
    .max(100_000, 'must be at most 100000')
    .default(1000),
  LEADSPLIT_LOG_LEVEL: optional.pipe(
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
  ),
  LEADSPLIT_SEND_BATCH_SIZE: z.coerce
    .number({ message: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be between 1 and 1000')
    .max(1000, 'must be between 1 and 1000 (SendGrid takes at most 1,000 recipients)')
    .default(1000),
  LEADSPLIT_POSTBACKS_PER_MINUTE: z.coerce
    .number({ message: 'must be a number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1 postback a minute')
    .max(1_000_000, 'must be at most 1000000')
    .default(120),
  LEADSPLIT_NOTIFY_URL: optional.pipe(httpUrl.optional()),
  LEADSPLIT_NOTIFY_EMAIL: optional.pipe(
    z.email({ message: 'must be an email address' }).optional(),
  ),
  SENDGRID_API_KEY: optional,
  SENDGRID_TIMEOUT_MS: z.coerce
    .number({ message: 'must be a number' })
    .int('must be a whole number')
    .min(100, 'must be at least 100')
    .max(300_000, 'must be at most 300000')
    .default(30_000),
  SENDGRID_API_URL: optional.pipe(httpUrl.optional()),
  SENDGRID_WEBHOOK_PUBLIC_KEY: optional,
});

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; a wrong value throws a ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv): ServerConfig {
  const parsed = environment.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    );
  }
  const e = parsed.data;

  if (e.SENDGRID_API_URL && !e.SENDGRID_API_KEY) {
    throw new ConfigError(['SENDGRID_API_URL: is set but SENDGRID_API_KEY is not']);
  }
  if (e.SENDGRID_API_KEY && !e.LEADSPLIT_SENDER_EMAIL) {
    throw new ConfigError([
      'LEADSPLIT_SENDER_EMAIL: SendGrid sends only from a verified sender; set it to that address',
    ]);
  }

  return {
    port: e.PORT,
    database: e.LEADSPLIT_DATABASE ?? './data/leadsplit.db',
    publicUrl: e.LEADSPLIT_PUBLIC_URL ?? `http://localhost:${e.PORT}`,
    secret: e.LEADSPLIT_SECRET,
    apiKey: e.LEADSPLIT_API_KEY,
    adminPassword: e.LEADSPLIT_ADMIN_PASSWORD,
    outboxDir: e.LEADSPLIT_OUTBOX_DIR ?? './outbox',
    sender: {
      email: e.LEADSPLIT_SENDER_EMAIL,
      name: e.LEADSPLIT_SENDER_NAME,
      postalAddress: e.LEADSPLIT_POSTAL_ADDRESS,
    },
    sendRate: e.LEADSPLIT_SEND_RATE,
    sendBatchSize: e.LEADSPLIT_SEND_BATCH_SIZE,
    notifications: { url: e.LEADSPLIT_NOTIFY_URL, email: e.LEADSPLIT_NOTIFY_EMAIL },
    postbacksPerMinute: e.LEADSPLIT_POSTBACKS_PER_MINUTE,
    sendgrid: e.SENDGRID_API_KEY
      ? {
          apiKey: e.SENDGRID_API_KEY,
          apiUrl: e.SENDGRID_API_URL,
          webhookPublicKey: e.SENDGRID_WEBHOOK_PUBLIC_KEY,
          timeoutMs: e.SENDGRID_TIMEOUT_MS,
        }
      : undefined,
    logLevel: e.LEADSPLIT_LOG_LEVEL ?? 'info',
  };
}
