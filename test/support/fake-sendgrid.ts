/**
 * A stand-in for SendGrid's v3 `POST /v3/mail/send`, so tests can drive the real @sendgrid/mail
 * client: it checks the key and the body the way SendGrid does, answers 202 with an
 * X-Message-Id, and records every accepted send. Tests can make it fail, stall or hang.
 *
 * Also runs as a child process, so a crash test can count deliveries across the restart of
 * the leadsplit process that sends through it:
 *
 *   node --import tsx test/support/fake-sendgrid.ts --port 0 --key K --record sent.jsonl
 *
 * prints its URL on the first line of stdout and appends each accepted personalization to
 * the record file as one JSON line (a {@link Delivery}) before it answers.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';

/** One entry of SendGrid's error body, `{ errors: [...] }`. */
export interface SendgridError {
  message: string;
  field: string | null;
  help: string | null;
}

export type Failure =
  { status: 429; retryAfter?: number } | { status: 500 } | { status: 400; message: string };

export interface RecordedRequest {
  body: MailSend;
  headers: IncomingHttpHeaders;
  receivedAt: Date;
  /** The X-Message-Id the send was (or, while hanging, will be) answered with. */
  xMessageId: string;
}

/** One accepted personalization: one email as SendGrid would deliver it. */
export interface Delivery {
  xMessageId: string;
  to: string[];
  subject?: string;
  /** The send's custom_args merged with the personalization's, as SendGrid merges them. */
  customArgs: Record<string, string>;
}

export interface FakeSendgrid {
  /** Base URL to give the client, without a trailing slash: `http://127.0.0.1:PORT`. */
  url: string;
  /** Every accepted send, in arrival order. */
  requests: RecordedRequest[];
  /** Every accepted personalization, in arrival order. */
  deliveries: Delivery[];
  /** Every request received and the status it got (or will get, while hanging). */
  log: { receivedAt: Date; status: number }[];
  /** Waited before every answer. */
  delayMs: number;
  /** The next `n` authorised requests get this failure instead of being judged. */
  failNext(n: number, failure: Failure): void;
  /**
   * While on, answers are withheld; sends are still judged and recorded, as when the provider
   * took the mail and the answer was lost. Turning it off answers every withheld request.
   */
  hang(on: boolean): void;
  /** How many times each value of a custom arg was delivered: `message_id` by default. */
  deliveryCounts(arg?: string): Map<string, number>;
  /** Stops listening and destroys every open connection, hung ones included. */
  close(): Promise<void>;
}

export interface FakeSendgridOptions {
  apiKey: string;
  port?: number;
  /** A file to append each accepted personalization to, as a JSON line. */
  recordFile?: string;
  delayMs?: number;
  hang?: boolean;
}

const MAX_BODY_BYTES = 30 * 1024 * 1024;
const MAX_RECIPIENTS = 1000;
const MAX_CUSTOM_ARGS_BYTES = 10_000;
const HELP = 'http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html#message.';
// SendGrid sets these itself and refuses them in `headers`.
const RESERVED_HEADERS = new Set([
  ...['x-sg-id', 'x-sg-eid', 'received', 'dkim-signature', 'content-type'],
  ...['content-transfer-encoding', 'to', 'from', 'subject', 'reply-to', 'cc', 'bcc'],
]);

const addressShape = {
  email: z
    .string('The email must be a string.')
    .regex(/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/, 'Does not contain a valid address.'),
  name: z.string().optional(),
};
const address = z.object(addressShape);
const stringValues = z.record(
  z.string(),
  z.string({ error: (issue) => `Invalid type. Expected: string, given: ${typeof issue.input}.` }),
);
const headers = stringValues.superRefine((value, ctx) => {
  for (const name of Object.keys(value)) {
    if (RESERVED_HEADERS.has(name.toLowerCase())) {
      ctx.addIssue({ code: 'custom', path: [name], message: `The header ${name} is reserved.` });
    }
  }
});

const personalization = z.object({
  to: z
    .array(address, 'The to array is required for all personalization objects.')
    .min(1, 'The to array must have at least one email object.'),
  cc: z.array(address).optional(),
  bcc: z.array(address).optional(),
  subject: z.string().min(1).optional(),
  headers: headers.optional(),
  substitutions: stringValues.optional(),
  dynamic_template_data: z.record(z.string(), z.unknown()).optional(),
  custom_args: stringValues.optional(),
  send_at: z.int().optional(),
});

const mailSend = z
  .looseObject({
    personalizations: z
      .array(personalization, 'The personalizations field is required.')
      .min(1, 'The personalizations field is required and must have at least one personalization.')
      .max(1000, 'The personalizations field may not have more than 1000 personalizations.'),
    from: z.object(addressShape, {
      error: (issue) =>
        issue.input === undefined
          ? 'The from object must be provided for every email send.'
          : 'The from object must be an object with an email.',
    }),
    reply_to: address.optional(),
    subject: z.string().min(1, 'The subject must be at least one character.').optional(),
    content: z
      .array(z.object({ type: z.string().min(1), value: z.string().min(1) }))
      .min(1)
      .optional(),
    template_id: z.string().min(1).optional(),
    headers: headers.optional(),
    custom_args: stringValues.optional(),
    categories: z.array(z.string()).max(10).optional(),
    send_at: z.int().optional(),
    // A batch id must have been created through /v3/mail/batch; this fake knows none.
    batch_id: z.never('The batch ID is not valid.').optional(),
  })
  .superRefine((mail, ctx) => {
    const fail = (path: (string | number)[], message: string) =>
      ctx.addIssue({ code: 'custom', path, message });
    const everyHasSubject = mail.personalizations.every((p) => p.subject);
    if (!mail.subject && !everyHasSubject && !mail.template_id) {
      fail(['subject'], 'The subject is required, here or in every personalization.');
    }
    if (!mail.content && !mail.template_id) {
      fail(['content'], 'Unless a valid template_id is provided, the content is required.');
    }
    const types = (mail.content ?? []).map((c) => c.type);
    const plain = types.indexOf('text/plain');
    const html = types.indexOf('text/html');
    if (plain > 0 || (html >= 0 && html !== (plain === 0 ? 1 : 0))) {
      fail(['content'], 'If present, text/plain must be first, followed by text/html.');
    }
    const recipients = mail.personalizations.reduce(
      (sum, p) => sum + p.to.length + (p.cc?.length ?? 0) + (p.bcc?.length ?? 0),
      0,
    );
    if (recipients > MAX_RECIPIENTS) {
      fail(['personalizations'], `The total number of recipients must be at most 1000.`);
    }
    mail.personalizations.forEach((p, i) => {
      const emails = [...p.to, ...(p.cc ?? []), ...(p.bcc ?? [])].map((a) => a.email.toLowerCase());
      if (new Set(emails).size < emails.length) {
        fail(['personalizations', i], 'Each email address in a personalization must be unique.');
      }
      const args = JSON.stringify({ ...mail.custom_args, ...p.custom_args });
      if (Buffer.byteLength(args) > MAX_CUSTOM_ARGS_BYTES) {
        fail(['personalizations', i, 'custom_args'], 'Custom args may not exceed 10,000 bytes.');
      }
    });
  });

export type MailSend = z.infer<typeof mailSend>;

class Refusal {
  constructor(
    readonly status: number,
    readonly errors: SendgridError[],
    readonly headers: Record<string, string> = {},
  ) {}
}

const errorOf = (message: string, field: string | null = null): SendgridError => ({
  message,
  field,
  help: field ? HELP + field.split('.')[0] : null,
});

const refusal = (status: number, message: string) => new Refusal(status, [errorOf(message)]);

function failureAnswer(failure: Failure): Refusal {
  if (failure.status === 400) return refusal(400, failure.message);
  if (failure.status === 500) return refusal(500, 'An internal server error occurred.');
  // SendGrid itself names the end of the rate-limit window in X-RateLimit-Reset.
  const wait = failure.retryAfter ?? 1;
  const headers: Record<string, string> = {
    'X-RateLimit-Limit': '600',
    'X-RateLimit-Remaining': '0',
    'X-RateLimit-Reset': String(Math.ceil(Date.now() / 1000) + wait),
  };
  if (failure.retryAfter !== undefined) headers['Retry-After'] = String(failure.retryAfter);
  return new Refusal(429, [errorOf('too many requests')], headers);
}

function judge(body: Buffer, contentType: string | undefined): MailSend | Refusal {
  if (!/^application\/json\b/i.test(contentType ?? '')) {
    return refusal(400, 'Content-Type should be application/json.');
  }
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return refusal(400, 'The request body is not valid JSON.');
  }
  const parsed = mailSend.safeParse(json);
  if (parsed.success) return parsed.data;
  return new Refusal(
    400,
    parsed.error.issues.map((issue) => errorOf(issue.message, issue.path.join('.') || null)),
  );
}

function deliveriesOf(mail: MailSend, xMessageId: string): Delivery[] {
  return mail.personalizations.map((p) => ({
    xMessageId,
    to: p.to.map((a) => a.email),
    subject: p.subject ?? mail.subject,
    customArgs: { ...mail.custom_args, ...p.custom_args },
  }));
}

export async function startFakeSendgrid(options: FakeSendgridOptions): Promise<FakeSendgrid> {
  const failures: Failure[] = [];
  const withheld = new Set<() => void>();
  let hanging = options.hang ?? false;

  const server = createServer(async (req, res) => {
    const receivedAt = new Date();
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of req as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          answer(res, refusal(413, 'The request is larger than 30 MB.'));
          req.destroy();
          return;
        }
        chunks.push(chunk);
      }
    } catch {
      // The client went away mid-body (a killed sender): nothing arrived, nothing to answer.
      return;
    }

    let outcome: Refusal | { xMessageId: string };
    if (req.method !== 'POST' || req.url?.split('?')[0] !== '/v3/mail/send') {
      outcome = refusal(404, 'This fake serves only POST /v3/mail/send.');
    } else if (req.headers.authorization !== `Bearer ${options.apiKey}`) {
      outcome = refusal(401, 'The provided authorization grant is invalid, expired, or revoked');
    } else if (failures.length > 0) {
      outcome = failureAnswer(failures.shift()!);
    } else {
      const judged = judge(Buffer.concat(chunks), req.headers['content-type']);
      if (judged instanceof Refusal) {
        outcome = judged;
      } else {
        outcome = { xMessageId: randomBytes(16).toString('base64url') };
        record({ body: judged, headers: req.headers, receivedAt, ...outcome });
      }
    }
    fake.log.push({ receivedAt, status: outcome instanceof Refusal ? outcome.status : 202 });

    if (fake.delayMs > 0) await new Promise((done) => setTimeout(done, fake.delayMs));
    if (hanging) await new Promise<void>((release) => withheld.add(release));
    answer(res, outcome);
  });

  function record(request: RecordedRequest) {
    const deliveries = deliveriesOf(request.body, request.xMessageId);
    // Written before the answer, so a client killed on receiving it cannot lose the count.
    if (options.recordFile) {
      appendFileSync(options.recordFile, deliveries.map((d) => JSON.stringify(d) + '\n').join(''));
    }
    fake.requests.push(request);
    fake.deliveries.push(...deliveries);
  }

  function answer(res: ServerResponse, outcome: Refusal | { xMessageId: string }) {
    if (res.destroyed || res.writableEnded) return;
    if (outcome instanceof Refusal) {
      res.writeHead(outcome.status, { 'Content-Type': 'application/json', ...outcome.headers });
      res.end(JSON.stringify({ errors: outcome.errors }));
    } else {
      res.writeHead(202, { 'X-Message-Id': outcome.xMessageId, 'Content-Length': '0' });
      res.end();
    }
  }

  await new Promise<void>((listening) => server.listen(options.port ?? 0, '127.0.0.1', listening));
  const { port } = server.address() as AddressInfo;

  const fake: FakeSendgrid = {
    url: `http://127.0.0.1:${port}`,
    requests: [],
    deliveries: [],
    log: [],
    delayMs: options.delayMs ?? 0,
    failNext(n, failure) {
      for (let i = 0; i < n; i++) failures.push(failure);
    },
    hang(on) {
      hanging = on;
      if (on) return;
      for (const release of withheld) release();
      withheld.clear();
    },
    deliveryCounts: (arg = 'message_id') => countDeliveries(fake.deliveries, arg),
    close() {
      withheld.clear();
      const closed = new Promise<void>((done) => server.close(() => done()));
      server.closeAllConnections();
      return closed;
    },
  };
  return fake;
}

/** The deliveries a standalone fake appended to its record file. */
export function readDeliveryRecord(file: string): Delivery[] {
  const text = readFileSync(file, 'utf8');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Delivery);
}

export function countDeliveries(deliveries: Delivery[], arg = 'message_id'): Map<string, number> {
  const counts = new Map<string, number>();
  for (const d of deliveries) {
    const value = d.customArgs[arg];
    if (value !== undefined) counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  return counts;
}

async function runStandalone() {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      key: { type: 'string' },
      record: { type: 'string' },
      'delay-ms': { type: 'string', default: '0' },
      hang: { type: 'boolean', default: false },
    },
  });
  if (!values.key) throw new Error('--key is required');
  const fake = await startFakeSendgrid({
    apiKey: values.key,
    port: Number(values.port),
    recordFile: values.record,
    delayMs: Number(values['delay-ms']),
    hang: values.hang,
  });
  process.stdout.write(fake.url + '\n');
  const stop = () => void fake.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await runStandalone();
}
