// The per-variant results of a campaign of a million leads, against a bare count of its
// messages: the ratio shows what the whole funnel (events, customers, days) costs on top.
// Then the same after a rollout, when the test phase has to be told apart message by message.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { newMessageIds } from '../src/campaigns/launch';
import { createCampaignInput } from '../src/campaigns/input';
import { createCampaign } from '../src/campaigns/store';
import type { Context } from '../src/context';
import { createLeadsplit, type Leadsplit } from '../src/index';
import { campaignReport } from '../src/reports/report';
import express from 'express';
import request from 'supertest';
import {
  conversionDays,
  countEnrolled,
  countLeads,
  countReach,
  type FunnelEventType,
} from '../src/reports/funnel-queries';
import { variantResults, type ResultsPhase } from '../src/reports/variant-results';

const KEY = 'bench-key-0123456789abcdefghij';
const PASSWORD = 'bench password 0123';
const LEADS = 1_000_000;
const REMAINDER = 250_000;
const RUNS = 15;
const TARGET_MS = 100;
const DAY_MS = 86_400_000;
const SENT_AT = Date.UTC(2026, 2, 2, 9);

/** Per lead: 200,000 clicks, 400,000 opens and 20,000 customers on a million leads. */
const CLICKS_PER_LEAD = 0.2;
const OPENS_PER_LEAD = 0.4;
const CUSTOMERS_PER_LEAD = 0.02;

/** A fixed-seed generator, so that every run builds the same campaign. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 0 .. count-1 in random order (Fisher–Yates). */
function shuffled(count: number, random: () => number): Uint32Array {
  const order = new Uint32Array(count);
  for (let i = 0; i < count; i++) order[i] = i;
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

interface LeadBatch {
  campaignId: number;
  phase: 'test' | 'remainder';
  count: number;
  firstProspect: number;
  variantOf: (i: number) => number;
}

/**
 * Prospects on the list, enrolled and sent one message each, with the events and conversions
 * a real campaign gathers: 97 % delivered and 2 % bounced; opens, a third of them by privacy
 * proxies; clicks, a fifth by link scanners; customers over the thirty days after sending,
 * variant b (every fourth lead) converting best. Events are written in random message order,
 * as they arrive in life, so the indexes are as fragmented as a real database's.
 */
function addLeads(ctx: Context, batch: LeadBatch): void {
  const { sqlite } = ctx;
  const { campaignId, phase, count, firstProspect, variantOf } = batch;
  const random = mulberry32(count + firstProspect);
  const messageIds = newMessageIds(count);
  const someLead = () => Math.floor(random() * count);

  const insertProspect = sqlite.prepare(
    'INSERT INTO prospects (id, email, created_at) VALUES (?, ?, ?)',
  );
  const insertListed = sqlite.prepare(
    'INSERT INTO campaign_prospects (campaign_id, prospect_id, imported_at) VALUES (?, ?, ?)',
  );
  const insertEnrollment = sqlite.prepare(
    `INSERT INTO enrollments (campaign_id, prospect_id, bucket, phase, variant_id, enrolled_at)
     VALUES (?, ?, ?, ?, ?, ?)`,
  );
  const insertMessage = sqlite.prepare(
    `INSERT INTO messages (id, campaign_id, variant_id, prospect_id, phase, status, queued_at,
       attempts, sent_at)
     VALUES (?, ?, ?, ?, ?, 'sent', ?, 1, ?)`,
  );
  const insertEvent = sqlite.prepare(
    `INSERT INTO events (message_id, campaign_id, variant_id, type, occurred_at, link_key, machine)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertConversion = sqlite.prepare(
    `INSERT INTO conversions (campaign_id, variant_id, prospect_id, goal, value, currency,
       occurred_at, source)
     VALUES (?, ?, ?, 'purchase', ?, 'EUR', ?, 'postback')`,
  );
  const event = (i: number, type: string, at: number, machine: boolean, link: string | null) =>
    insertEvent.run(messageIds[i], campaignId, variantOf(i), type, at, link, machine ? 1 : 0);

  // Random message ids land all over the indexes: a large page cache keeps the build in memory.
  // The rows reference each other correctly by construction, so foreign keys go unchecked.
  const cacheSize = Number(sqlite.pragma('cache_size', { simple: true }));
  sqlite.pragma('cache_size = -1000000');
  sqlite.pragma('foreign_keys = OFF');
  sqlite.transaction(() => {
    for (let i = 0; i < count; i++) {
      const prospectId = firstProspect + i;
      insertProspect.run(prospectId, `lead${prospectId}@example.com`, SENT_AT);
      insertListed.run(campaignId, prospectId, SENT_AT);
      insertEnrollment.run(campaignId, prospectId, random(), phase, variantOf(i), SENT_AT);
      insertMessage.run(
        messageIds[i],
        campaignId,
        variantOf(i),
        prospectId,
        phase,
        SENT_AT,
        SENT_AT,
      );
    }
    for (const i of shuffled(count, random)) {
      const fate = random();
      if (fate < 0.97) event(i, 'delivered', SENT_AT + 60_000, false, null);
      else if (fate < 0.99) event(i, 'bounced', SENT_AT + 60_000, false, null);
    }
    for (let n = 0; n < count * OPENS_PER_LEAD; n++) {
      event(someLead(), 'opened', SENT_AT + n * 1000, random() < 0.35, null);
    }
    for (let n = 0; n < count * CLICKS_PER_LEAD; n++) {
      event(someLead(), 'clicked', SENT_AT + n * 1000, random() < 0.2, 'shop');
    }
    const customers = new Set<number>();
    while (customers.size < count * CUSTOMERS_PER_LEAD) {
      const i = someLead();
      customers.add(random() < 0.1 ? Math.min(i - (i % 4) + 1, count - 1) : i);
    }
    for (const i of customers) {
      const value = Math.round(random() * 10000) / 100;
      const at = SENT_AT + Math.floor(random() * 30 * DAY_MS);
      insertConversion.run(campaignId, variantOf(i), firstProspect + i, value, at);
    }
  })();
  sqlite.pragma(`cache_size = ${cacheSize}`);
  sqlite.pragma('foreign_keys = ON');
}

export interface BenchCampaign {
  campaignId: number;
  variantIds: number[];
}

/** A launched and fully sent campaign of `leads` test-phase leads over four variants. */
export function buildBenchCampaign(ctx: Context, leads = LEADS): BenchCampaign {
  const campaign = createCampaign(
    ctx,
    createCampaignInput.parse({
      name: 'bench',
      goal: 'purchase',
      testFraction: 0.8,
      variants: ['a', 'b', 'c', 'd'].map((key) => ({ key, name: key, subject: key })),
      links: [{ key: 'shop', url: 'https://shop.example.com/' }],
    }),
  );
  const variantIds = campaign.variants.map((v) => v.id);
  ctx.sqlite
    .prepare(`UPDATE campaigns SET status = 'testing', launched_at = ? WHERE id = ?`)
    .run(SENT_AT, campaign.id);
  addLeads(ctx, {
    campaignId: campaign.id,
    phase: 'test',
    count: leads,
    firstProspect: 1,
    variantOf: (i) => variantIds[i % variantIds.length]!,
  });
  return { campaignId: campaign.id, variantIds };
}

/** A rollout of variant b to `count` remainder prospects, sent and tracked like the test. */
export function addRollout(ctx: Context, bench: BenchCampaign, count = REMAINDER): void {
  const first = Number(ctx.sqlite.prepare('SELECT max(id) FROM prospects').pluck().get()) + 1;
  addLeads(ctx, {
    campaignId: bench.campaignId,
    phase: 'remainder',
    count,
    firstProspect: first,
    variantOf: () => bench.variantIds[1]!,
  });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;

/** Median milliseconds of `runs` calls, after one call to warm the page cache. */
function time(runs: number, fn: () => unknown): number {
  fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    fn();
    times.push(performance.now() - start);
  }
  return median(times);
}

const ms = (value: number) => `${value.toFixed(1).padStart(7)} ms`;

/**
 * What the kept counts save: each figure counted again from the rows, over all variants,
 * unfiltered by phase (what every report would cost without funnel_counts).
 */
function printParts(ctx: Context, bench: BenchCampaign): void {
  const { sqlite } = ctx;
  const { campaignId, variantIds } = bench;
  const scopes = variantIds.map((variantId) => ({ campaignId, variantId, phaseFilter: null }));
  const parts: [string, () => unknown][] = [
    ['enrolled', () => variantIds.map((v) => countEnrolled(sqlite, campaignId, v, 'test'))],
    ['leads', () => scopes.map((s) => countLeads(sqlite, s))],
    ...(['delivered', 'bounced', 'opened', 'clicked'] as FunnelEventType[]).map(
      (type): [string, () => unknown] => [
        type,
        () => scopes.map((s) => countReach(sqlite, s, type)),
      ],
    ),
    ['customers by day', () => conversionDays(sqlite, campaignId, 'purchase', 'test')],
  ];
  for (const [name, fn] of parts) console.log(`    ${name.padEnd(20)}${ms(time(5, fn))}`);
}

/** The whole report (JSON) and its page (HTML, charts drawn), as a signed-in marketer gets them. */
function measureReport(ctx: Context, bench: BenchCampaign): void {
  const report = time(RUNS, () => campaignReport(ctx, bench.campaignId));
  console.log(`  campaignReport (the JSON report)    ${ms(report)}`);
}

async function measurePage(app: Leadsplit, campaignId: number): Promise<void> {
  const host = express().use(app.router);
  const agent = request.agent(host);
  const form = await agent.get('/sign-in');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(form.text)![1]!;
  await agent.post('/sign-in').type('form').send({ password: PASSWORD, _csrf: csrf });
  const times: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const start = performance.now();
    const res = await agent.get(`/campaigns/${campaignId}`);
    if (res.status !== 200) throw new Error(`the report page answered ${res.status}`);
    if (i > 0) times.push(performance.now() - start);
  }
  const json: number[] = [];
  for (let i = 0; i <= RUNS; i++) {
    const start = performance.now();
    await agent.get(`/api/campaigns/${campaignId}/report`).set('Authorization', `Bearer ${KEY}`);
    if (i > 0) json.push(performance.now() - start);
  }
  console.log(`  GET /api/campaigns/:id/report      ${ms(median(json))}`);
  console.log(
    `  GET /campaigns/:id (report page)   ${ms(median(times))}` +
      `  (target < 300 ms: ${median(times) < 300 ? 'met' : 'missed'})`,
  );
}

function measure(ctx: Context): BenchCampaign {
  let start = performance.now();
  const bench = buildBenchCampaign(ctx);
  const { totals } = variantResults(ctx, bench.campaignId);
  console.log(
    `${totals.leads.toLocaleString('en')} leads over 4 variants: ` +
      `${totals.delivered.toLocaleString('en')} delivered, ` +
      `${totals.opened.raw.toLocaleString('en')} opened, ` +
      `${totals.clicked.raw.toLocaleString('en')} clicked, ` +
      `${totals.customers.toLocaleString('en')} customers ` +
      `(built in ${((performance.now() - start) / 1000).toFixed(0)} s)`,
  );

  const bare = ctx.sqlite.prepare('SELECT count(*) FROM messages WHERE campaign_id = ?').pluck();
  const results = (phase: ResultsPhase) => () => variantResults(ctx, bench.campaignId, { phase });
  const baselineMs = time(RUNS, () => bare.get(bench.campaignId));
  const resultsMs = time(RUNS, results('test'));
  console.log(`  bare count of the campaign's messages ${ms(baselineMs)} (baseline)`);
  console.log(
    `  variantResults, test phase           ${ms(resultsMs)}` +
      `  ratio ${(resultsMs / baselineMs).toFixed(1)}x` +
      `  (target < ${TARGET_MS} ms: ${resultsMs < TARGET_MS ? 'met' : 'missed'})`,
  );
  console.log('  the same figures counted from the rows instead of the kept counts:');
  printParts(ctx, bench);
  measureReport(ctx, bench);

  start = performance.now();
  addRollout(ctx, bench);
  console.log(
    `after a rollout of variant b to ${REMAINDER.toLocaleString('en')} more leads ` +
      `(built in ${((performance.now() - start) / 1000).toFixed(0)} s):`,
  );
  for (const phase of ['test', 'remainder', 'all'] as const) {
    console.log(`  variantResults, phase ${phase.padEnd(15)}${ms(time(5, results(phase)))}`);
  }
  // Other work on the machine slows every figure alike; the ratio to the baseline holds.
  console.log(`load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`);
  return bench;
}

export default async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'leadsplit-bench-'));
  try {
    const app = createLeadsplit({
      database: join(dir, 'reports.db'),
      publicUrl: 'http://localhost:3000',
      apiKey: KEY,
      adminPassword: PASSWORD,
      logger: pino({ level: 'silent' }),
      sendWorker: false,
    });
    try {
      const bench = measure(app.context);
      await measurePage(app, bench.campaignId);
    } finally {
      await app.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
