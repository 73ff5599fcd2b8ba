import express from 'express';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import request from 'supertest';
import { afterEach } from 'vitest';
import { createLeadsplit, type Leadsplit, type LeadsplitOptions } from '../src/index';

export const API_KEY = 'test-key-0123456789abcdefghijklmnop';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** A temporary folder removed after the test. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'leadsplit-test-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export const silentLogger = () => pino({ level: 'silent' });

/** A clock a test can move. */
export function manualClock(start = new Date('2026-03-02T09:00:00Z')) {
  let now = start.getTime();
  const clock = () => new Date(now);
  clock.advance = (ms: number) => {
    now += ms;
  };
  return clock;
}

export interface TestApp {
  leadsplit: Leadsplit;
  app: express.Express;
  dbFile: string;
  dir: string;
  /** supertest against the app, with the API key on every request. */
  api: {
    get(path: string): request.Test;
    post(path: string): request.Test;
    patch(path: string): request.Test;
  };
}

/** The plugin on a real SQLite file in a temp folder, mounted at `prefix` of a host app. */
export function startApp(
  options: Partial<LeadsplitOptions> & { prefix?: string; dir?: string } = {},
): TestApp {
  const { prefix = '', dir = tempDir(), ...rest } = options;
  const dbFile = join(dir, 'leadsplit.db');
  const leadsplit = createLeadsplit({
    database: dbFile,
    publicUrl: `http://leadsplit.test${prefix}`,
    apiKey: API_KEY,
    adminPassword: ADMIN_PASSWORD,
    logger: silentLogger(),
    outboxDir: join(dir, 'outbox'),
    sender: { email: 'news@shop.example.com', name: 'Harbour Shop', postalAddress: '1 Quay Road' },
    // Tests send by calling worker.drain(), so that what is sent is known when they look.
    sendWorker: false,
    scheduler: false,
    ...rest,
  });
  cleanups.push(() => leadsplit.close());

  const app = express();
  app.use(prefix || '/', leadsplit.router);
  const auth = (test: request.Test) => test.set('Authorization', `Bearer ${API_KEY}`);
  return {
    leadsplit,
    app,
    dbFile,
    dir,
    api: {
      get: (path) => auth(request(app).get(prefix + path)),
      post: (path) => auth(request(app).post(prefix + path)),
      patch: (path) => auth(request(app).patch(prefix + path)),
    },
  };
}

export function campaignBody(overrides: Record<string, unknown> = {}) {
  return {
    name: 'Spring offer',
    goal: 'purchase',
    testFraction: 0.5,
    variants: [
      { key: 'a', name: 'Plain', subject: 'Our spring offer' },
      { key: 'b', name: 'Urgent', subject: 'Last days of the spring offer' },
    ],
    links: [{ key: 'shop', url: 'https://shop.example.com/spring' }],
    ...overrides,
  };
}

/**
 * Creates a campaign (the shared body with `overrides`), imports `prospects` prospects,
 * launches it and sends every message now due; answers the stored campaign, its id and the
 * ids of its messages, in order.
 */
export async function sendCampaign(
  app: TestApp,
  overrides: Record<string, unknown> = {},
  prospects = 6,
): Promise<{ campaign: Record<string, unknown>; campaignId: number; messageIds: string[] }> {
  const { body } = await app.api.post('/api/campaigns').send(campaignBody(overrides)).expect(201);
  await app.api
    .post(`/api/campaigns/${body.id}/prospects`)
    .type('text/csv')
    .send(prospectCsv(prospects))
    .expect(200);
  await app.api.post(`/api/campaigns/${body.id}/launch`).expect(200);
  await app.leadsplit.worker.drain();
  const messageIds = app.leadsplit.context.sqlite
    .prepare('SELECT id FROM messages WHERE campaign_id = ? ORDER BY id')
    .pluck()
    .all(body.id) as string[];
  return { campaign: body, campaignId: body.id as number, messageIds };
}

/** A CSV of `count` prospects, user0@example.com onwards. */
export function prospectCsv(count: number, start = 0, extra = ''): string {
  const lines = [`email,first_name,source${extra ? ',' + extra : ''}`];
  for (let i = start; i < start + count; i++) {
    lines.push(
      `user${i}@example.com,User ${i},${i % 2 ? 'ads' : 'newsletter'}${extra ? ',x' : ''}`,
    );
  }
  return lines.join('\n') + '\n';
}

/** Counts rows of every table, to show that a refused request wrote nothing. */
export function tableCounts(leadsplit: Leadsplit): Record<string, number> {
  const { sqlite } = leadsplit.context;
  const names = sqlite
    .prepare(
      `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
         AND name NOT LIKE '__drizzle%'`,
    )
    .pluck()
    .all() as string[];
  return Object.fromEntries(
    names.map((name) => [name, sqlite.prepare(`SELECT count(*) FROM "${name}"`).pluck().get()]),
  ) as Record<string, number>;
}

/** Node arguments that run a TypeScript entry point from any working directory. */
export const TSX_IMPORT = [
  '--import',
  pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href,
];

export const ADMIN_PASSWORD = 'correct horse battery staple';

/** The form token on a page, as a browser would send it back. */
export function formTokenOf(html: string): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error('the page has no form token');
  return token;
}

/** A supertest agent (it keeps cookies) signed in to the dashboard of `app`. */
export async function signedInAgent(app: express.Express, prefix = '') {
  const agent = request.agent(app);
  const page = await agent.get(`${prefix}/sign-in`).expect(200);
  await agent
    .post(`${prefix}/sign-in`)
    .type('form')
    .send({ password: ADMIN_PASSWORD, _csrf: formTokenOf(page.text), next: `${prefix}/campaigns` })
    .expect(303);
  return agent;
}
