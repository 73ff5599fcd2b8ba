import { Client } from '@sendgrid/client';
import { MailService, type MailDataRequired } from '@sendgrid/mail';
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir, TSX_IMPORT } from '../helpers';
import { readDeliveryRecord, startFakeSendgrid, type FakeSendgrid } from './fake-sendgrid';

const KEY = 'SG.fake-key-for-tests';

const fakes: FakeSendgrid[] = [];
afterEach(async () => {
  while (fakes.length > 0) await fakes.pop()!.close();
});

async function startFake(options: { delayMs?: number } = {}) {
  const fake = await startFakeSendgrid({ apiKey: KEY, ...options });
  fakes.push(fake);
  return fake;
}

/**
 * The real @sendgrid/mail client, pointed at `url`. setApiKey resets the base URL to
 * SendGrid's own, so the base URL is set after it.
 */
function mailClient(url: string, key = KEY, timeoutMs?: number): MailService {
  const client = new Client();
  client.setApiKey(key);
  client.setDefaultRequest('baseUrl', url);
  const mail = new MailService();
  mail.setClient(client);
  if (timeoutMs) mail.setTimeout(timeoutMs);
  return mail;
}

function message(recipients = 2): MailDataRequired {
  return {
    from: { email: 'news@shop.example.com', name: 'Shop' },
    subject: 'Our spring offer',
    text: 'Hello {{first_name}}',
    html: '<p>Hello {{first_name}}</p>',
    customArgs: { campaign_id: '7', batch_id: 'batch-1' },
    headers: { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
    personalizations: Array.from({ length: recipients }, (_, i) => ({
      to: `user${i}@example.com`,
      substitutions: { first_name: `User ${i}` },
      customArgs: { message_id: `m${i}` },
    })),
  };
}

/** Posts a raw body, to check what the client itself would refuse to send. */
function post(fake: FakeSendgrid, body: unknown, key = KEY) {
  return fetch(`${fake.url}/v3/mail/send`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}

const rawSend = (overrides: Record<string, unknown> = {}) => ({
  personalizations: [{ to: [{ email: 'ann@example.com' }], custom_args: { message_id: 'm1' } }],
  from: { email: 'news@shop.example.com' },
  subject: 'Hello',
  content: [{ type: 'text/plain', value: 'Hello' }],
  ...overrides,
});

/** What the client rejects with on a 4xx or 5xx answer. */
interface ResponseError {
  code: number;
  response: { headers: Record<string, string>; body: { errors: unknown[] } };
}

async function refusalOf(sending: Promise<unknown>): Promise<ResponseError> {
  const error = await sending.then(
    () => expect.fail('the send was accepted'),
    (e: unknown) => e,
  );
  return error as ResponseError;
}

describe('the fake SendGrid mail send endpoint', () => {
  it('accepts a valid send from the real client with 202 and a fresh X-Message-Id', async () => {
    const fake = await startFake();
    const mail = mailClient(fake.url);

    const [first] = await mail.send(message(3));
    const [second] = await mail.send(message(1));

    expect(first.statusCode).toBe(202);
    expect(first.headers['x-message-id']).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(second.headers['x-message-id']).not.toBe(first.headers['x-message-id']);
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(fake.requests[0]!.body.personalizations[1]!.substitutions).toEqual({
      '{{first_name}}': 'User 1',
    });
    expect(fake.deliveries.slice(0, 3)).toEqual(
      [0, 1, 2].map((i) => ({
        xMessageId: first.headers['x-message-id'],
        to: [`user${i}@example.com`],
        subject: 'Our spring offer',
        customArgs: { campaign_id: '7', batch_id: 'batch-1', message_id: `m${i}` },
      })),
    );
    expect(fake.deliveryCounts()).toEqual(
      new Map([
        ['m0', 2],
        ['m1', 1],
        ['m2', 1],
      ]),
    );
  });

  it('answers 401 in SendGrid error shape for a wrong key, and records nothing', async () => {
    const fake = await startFake();

    const error = await refusalOf(mailClient(fake.url, 'SG.wrong-key').send(message()));

    expect(error.code).toBe(401);
    expect(error.response.body).toEqual({
      errors: [
        {
          message: 'The provided authorization grant is invalid, expired, or revoked',
          field: null,
          help: null,
        },
      ],
    });
    expect(fake.requests).toEqual([]);
  });

  it('answers 400 for more than 1000 personalizations', async () => {
    const fake = await startFake();

    const error = await refusalOf(mailClient(fake.url).send(message(1001)));

    expect(error.code).toBe(400);
    expect(error.response.body.errors).toContainEqual(
      expect.objectContaining({
        field: 'personalizations',
        message: expect.stringContaining('more than 1000 personalizations'),
      }),
    );
    expect(fake.deliveries).toEqual([]);
  });

  it('answers 400 for 1000 personalizations carrying more than 1000 recipients', async () => {
    const fake = await startFake();
    const personalizations = Array.from({ length: 1000 }, (_, i) => ({
      to: [{ email: `user${i}@example.com` }],
      ...(i === 0 ? { cc: [{ email: 'boss@example.com' }] } : {}),
    }));

    const res = await post(fake, rawSend({ personalizations }));

    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({
      errors: [{ field: 'personalizations', message: expect.stringContaining('1000') }],
    });
  });

  it('answers 400 for a send without a from address', async () => {
    const fake = await startFake();
    const withoutFrom: Partial<MailDataRequired> = message();
    delete withoutFrom.from;

    const error = await refusalOf(mailClient(fake.url).send(withoutFrom as MailDataRequired));

    expect(error.code).toBe(400);
    expect(error.response.body.errors).toEqual([
      {
        message: 'The from object must be provided for every email send.',
        field: 'from',
        help: expect.stringContaining('#message.from'),
      },
    ]);
  });

  it.each([
    [
      'a custom arg that is a number',
      { custom_args: { campaign_id: 7 } },
      'custom_args.campaign_id',
    ],
    ['a header value that is a number', { headers: { 'X-Campaign': 7 } }, 'headers.X-Campaign'],
    ['a reserved header', { headers: { Subject: 'x' } }, 'headers.Subject'],
    ['no subject anywhere', { subject: undefined }, 'subject'],
    ['no content and no template', { content: undefined }, 'content'],
    ['an empty content array', { content: [] }, 'content'],
    [
      'html before text',
      {
        content: [
          { type: 'text/html', value: '<p>x</p>' },
          { type: 'text/plain', value: 'x' },
        ],
      },
      'content',
    ],
    [
      'an invalid recipient',
      { personalizations: [{ to: [{ email: 'nope' }] }] },
      'personalizations.0.to.0.email',
    ],
    [
      'a personalization without to',
      { personalizations: [{ subject: 'x' }] },
      'personalizations.0.to',
    ],
    ['no personalizations', { personalizations: [] }, 'personalizations'],
    ['a batch id SendGrid never issued', { batch_id: 'leadsplit-batch-1' }, 'batch_id'],
  ])('answers 400 naming the field for %s', async (_name, overrides, field) => {
    const fake = await startFake();

    const res = await post(fake, rawSend(overrides));

    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: { field: string }[] };
    expect(body.errors.map((e) => e.field)).toContain(field);
    expect(fake.requests).toEqual([]);
  });

  it('takes the subject from every personalization when there is none at the top', async () => {
    const fake = await startFake();
    const personalizations = [{ to: [{ email: 'ann@example.com' }], subject: 'Hi Ann' }];

    const res = await post(fake, rawSend({ subject: undefined, personalizations }));

    expect(res.status).toBe(202);
    expect(fake.deliveries[0]!.subject).toBe('Hi Ann');
  });

  it('answers 400 for a body that is not JSON', async () => {
    const fake = await startFake();

    const res = await fetch(`${fake.url}/v3/mail/send`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' },
      body: '{"personalizations": [',
    });

    expect(res.status).toBe(400);
    expect(fake.log).toEqual([{ receivedAt: expect.any(Date), status: 400 }]);
  });
});

describe('the fake SendGrid controls', () => {
  it('fails the next n sends with 429 and Retry-After, then accepts again', async () => {
    const fake = await startFake();
    const mail = mailClient(fake.url);
    fake.failNext(2, { status: 429, retryAfter: 7 });

    const first = await refusalOf(mail.send(message()));
    const second = await refusalOf(mail.send(message()));
    const [third] = await mail.send(message());

    expect([first.code, second.code, third.statusCode]).toEqual([429, 429, 202]);
    expect(first.response.headers['retry-after']).toBe('7');
    const reset = Number(first.response.headers['x-ratelimit-reset']);
    expect(reset - Date.now() / 1000).toBeGreaterThan(5);
    expect(fake.requests).toHaveLength(1);
    expect(fake.log.map((entry) => entry.status)).toEqual([429, 429, 202]);
  });

  it('fails with a 500, or with a 400 carrying the given message', async () => {
    const fake = await startFake();
    const mail = mailClient(fake.url);
    fake.failNext(1, { status: 500 });
    fake.failNext(1, { status: 400, message: 'The content value contains a forbidden word.' });

    const crashed = await refusalOf(mail.send(message()));
    const refused = await refusalOf(mail.send(message()));

    expect(crashed.code).toBe(500);
    expect(refused.code).toBe(400);
    expect(refused.response.body.errors).toEqual([
      { message: 'The content value contains a forbidden word.', field: null, help: null },
    ]);
    expect(fake.deliveries).toEqual([]);
  });

  it('does not spend a planned failure on a request with a wrong key', async () => {
    const fake = await startFake();
    fake.failNext(1, { status: 500 });

    const unauthorised = await post(fake, rawSend(), 'SG.wrong');
    const failed = await post(fake, rawSend());
    const accepted = await post(fake, rawSend());

    expect([unauthorised.status, failed.status, accepted.status]).toEqual([401, 500, 202]);
  });

  it('withholds answers while hanging, still recording the send, and answers on release', async () => {
    const fake = await startFake();
    fake.hang(true);

    const timedOut = await refusalOf(mailClient(fake.url, KEY, 300).send(message(1)));
    let settled = false;
    const pending = post(fake, rawSend()).finally(() => (settled = true));
    await new Promise((r) => setTimeout(r, 200));
    const settledEarly = settled;
    fake.hang(false);
    const released = await pending;

    expect((timedOut as unknown as { code: string }).code).toBe('ECONNABORTED');
    expect(settledEarly).toBe(false);
    expect(released.status).toBe(202);
    expect(released.headers.get('x-message-id')).toBe(fake.requests[1]!.xMessageId);
    expect(fake.deliveryCounts()).toEqual(
      new Map([
        ['m0', 1],
        ['m1', 1],
      ]),
    );
  });

  it('drops hung connections when closed', async () => {
    const fake = await startFake();
    fake.hang(true);

    const pending = post(fake, rawSend()).then(
      () => 'answered',
      () => 'dropped',
    );
    await new Promise((r) => setTimeout(r, 100));
    await fake.close();

    expect(await pending).toBe('dropped');
    expect(fake.deliveries).toHaveLength(1);
  });

  it('waits delayMs before every answer', async () => {
    const fake = await startFake({ delayMs: 250 });

    const started = Date.now();
    const res = await post(fake, rawSend());

    expect(res.status).toBe(202);
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
  });
});

describe('the fake SendGrid as a child process', () => {
  it('prints its URL and appends each delivery to the record file before answering', async () => {
    const record = join(tempDir(), 'deliveries.jsonl');
    const script = resolve(__dirname, 'fake-sendgrid.ts');
    const child = spawn(process.execPath, [
      ...TSX_IMPORT,
      script,
      ...['--port', '0', '--key', KEY, '--record', record],
    ]);
    const exited = new Promise((done) => child.on('exit', done));
    try {
      const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
      const url = (await lines.next()).value as string;
      const mail = mailClient(url);

      await mail.send(message(2));
      await mail.send(message(1));

      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(readDeliveryRecord(record).map((d) => d.customArgs.message_id)).toEqual([
        'm0',
        'm1',
        'm0',
      ]);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});
