import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_KEY, campaignBody, prospectCsv, tempDir } from '../helpers';
import {
  launchChromium,
  sendTraffic,
  sentMessages,
  serveApp,
  signIn,
  type ServedApp,
} from './browser-kit';

const ARTIFACTS = fileURLToPath(new URL('../artifacts', import.meta.url));

// One variant clearly better: 12 % against 4 % and 4 %. With half of 3,000 prospects in the
// test, about 500 leads a variant, and a 5-point lift to detect, that is a sure winner while
// the 100 or so postbacks stay under the route's limit of 120 a minute.
const RATES = { a: 0.04, b: 0.12, c: 0.04 };
const PROSPECTS = 3000;

const percent = (customers: number, leads: number) => `${((customers / leads) * 100).toFixed(1)} %`;
const thousands = (value: number) => value.toLocaleString('en');

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

/** A fresh browser profile (no cookies) that records every dialog a page opens. */
async function openPage() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  return { page, dialogs, close: () => context.close() };
}

async function reportJson(served: ServedApp, campaignId: number) {
  const res = await fetch(`${served.base}/api/campaigns/${campaignId}/report`, {
    headers: { Authorization: `Bearer ${API_KEY}` },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as {
    verdict: { kind: string; sentence: string };
    variants: {
      key: string;
      leads: number;
      customers: number;
      clicked: { human: number };
      figures: { rate: number; adjustedPValue: number | null; probabilityToBeBest: number };
    }[];
  };
}

/** A running three-variant campaign made through the API, its emails sent, its test decided. */
async function decidedCampaign(served: ServedApp) {
  const { api, leadsplit } = served;
  const { body } = await api
    .post('/api/campaigns')
    .send(
      campaignBody({
        testFraction: 0.5,
        minimumDetectableEffect: 0.05,
        variants: [
          { key: 'a', name: 'Plain', subject: 'Our spring offer' },
          { key: 'b', name: 'Urgent', subject: 'Last days of the spring offer' },
          { key: 'c', name: 'Friendly', subject: 'Something for your spring' },
        ],
      }),
    )
    .expect(201);
  await api
    .post(`/api/campaigns/${body.id}/prospects`)
    .type('text/csv')
    .send(prospectCsv(PROSPECTS))
    .expect(200);
  await api.post(`/api/campaigns/${body.id}/launch`).expect(200);
  await leadsplit.worker.drain();
  await sendTraffic(served, body.id, 'shop', RATES);
  return body.id as number;
}

/** Reads the variant table of the report page the browser is on. */
async function readResultsTable(page: Page) {
  return page.locator('table.results tr[data-variant]').evaluateAll((rows) =>
    rows.map((row) => {
      const cell = (field: string) =>
        row.querySelector(`[data-field="${field}"]`)?.textContent?.trim() ?? '';
      return {
        key: row.getAttribute('data-variant'),
        leads: cell('leads'),
        customers: cell('customers'),
        ratio: cell('ratio'),
      };
    }),
  );
}

/** Each input and select of the page's main form, and whether it has a name to announce. */
async function fieldLabels(page: Page) {
  return page
    .locator('main form')
    .first()
    .locator('input:not([type=hidden]), select, textarea')
    .evaluateAll((fields) =>
      fields.map((field) => {
        // `labels` is on form controls only; the project's types leave out the DOM.
        type Named = { textContent: string | null };
        const { labels } = field as unknown as { labels: ArrayLike<Named> | null };
        const labelled =
          Array.from(labels ?? []).some((label) => label.textContent?.trim()) ||
          Boolean(field.getAttribute('aria-label') || field.getAttribute('aria-labelledby'));
        return { name: field.getAttribute('name'), labelled };
      }),
    );
}

describe('the dashboard in Chromium', () => {
  it('takes a marketer from sign-in to a declared winner, its chart and its CSV', async () => {
    const served = await serveApp();
    const { base, leadsplit } = served;
    const { page, dialogs, close } = await openPage();

    // Sign in: the dashboard sends a stranger to the form and back.
    await page.goto(`${base}/campaigns`);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await signIn(page, base);
    expect(new URL(page.url()).pathname).toBe('/campaigns');
    await expect
      .poll(() => page.getByRole('heading', { level: 1 }).textContent())
      .toBe('Campaigns');

    // A campaign with three variants: the form starts with two.
    await page.getByRole('link', { name: 'New campaign' }).click();
    await page.locator('#name').fill('Spring offer');
    await page.getByRole('button', { name: 'Add a variant' }).click();
    expect(await page.locator('fieldset.variant').count()).toBe(3);
    expect(await page.locator('#name').inputValue()).toBe('Spring offer');
    await page.getByLabel('Goal that makes a lead a customer').fill('purchase');
    await page.getByLabel('Share of the list in the test (%)').fill('50');
    await page.getByLabel('Smallest lift worth detecting (percentage points)').fill('5');
    await page.getByLabel('Link 1 name').fill('shop');
    await page.getByLabel('Link 1 address').fill('https://shop.example.com/spring');
    const variants = [
      ['a', 'Plain', 'Our spring offer'],
      ['b', 'Urgent', 'Last days of the spring offer'],
      ['c', 'Friendly', 'Something for your spring'],
    ];
    for (const [i, [key, name, subject]] of variants.entries()) {
      await page.locator(`#v${i}_key`).fill(key!);
      await page.locator(`#v${i}_name`).fill(name!);
      await page.locator(`#v${i}_subject`).fill(subject!);
    }
    await page.getByRole('button', { name: 'Create campaign' }).click();
    await page.waitForURL(/\/campaigns\/\d+$/);
    const campaignId = Number(new URL(page.url()).pathname.split('/').pop());
    expect(await page.locator('h1').textContent()).toBe('Spring offer');
    expect(await page.locator('#verdict').textContent()).toBe('Not launched');
    const stored = await served.api.get(`/api/campaigns/${campaignId}`).expect(200);
    expect(stored.body).toMatchObject({ testFraction: 0.5, minimumDetectableEffect: 0.05 });
    expect(stored.body.variants.map((v: { key: string }) => v.key)).toEqual(['a', 'b', 'c']);

    // Prospects from a file, one row of which is no email address.
    const csvFile = join(tempDir(), 'prospects.csv');
    writeFileSync(csvFile, prospectCsv(PROSPECTS) + 'not-an-email,Nobody,ads\n');
    await page.locator('#file').setInputFiles(csvFile);
    await page.getByRole('button', { name: 'Upload prospects' }).click();
    await page.waitForURL(/\/prospects\?/);
    const summary = page.locator('.notice.good[role=status]');
    expect(await summary.locator('p').textContent()).toBe(
      'Imported 3,000, duplicates 0, suppressed 0, rejected 1.',
    );
    expect(await summary.locator('tbody tr').count()).toBe(1);

    // Launch, then send what the launch queued.
    await page.getByRole('button', { name: 'Launch the test' }).click();
    await page.waitForURL(`${base}/campaigns/${campaignId}`);
    expect(await page.locator('[data-verdict]').getAttribute('data-verdict')).toBe('collecting');
    await leadsplit.worker.drain();
    // Each prospect's place hangs on a hash, so the test holds about half of the list.
    const inTest = leadsplit.context.sqlite
      .prepare(`SELECT count(*) FROM enrollments WHERE campaign_id = ? AND phase = 'test'`)
      .pluck()
      .get(campaignId) as number;
    expect(inTest).toBeGreaterThan(PROSPECTS * 0.45);
    expect(inTest).toBeLessThan(PROSPECTS * 0.55);
    expect(sentMessages(served, campaignId)).toHaveLength(inTest);

    const traffic = await sendTraffic(served, campaignId, 'shop', RATES);

    // A month on, the session has lapsed: signing in again leads back to the report.
    await page.goto(`${base}/campaigns/${campaignId}`);
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await signIn(page, base);
    expect(page.url()).toBe(`${base}/campaigns/${campaignId}`);

    const verdict = page.locator('[data-verdict]');
    expect(await verdict.getAttribute('data-verdict')).toBe('winner');
    expect(await page.locator('#verdict').textContent()).toBe('Winner');
    const { a, b } = traffic;
    expect(await verdict.textContent()).toBe(
      `Urgent turns ${percent(b!.customers, b!.leads)} of leads into customers against ` +
        `${percent(a!.customers, a!.leads)} for the control; this lead is very unlikely to be chance.`,
    );

    const table = await readResultsTable(page);
    expect(table).toEqual(
      Object.entries(traffic).map(([key, t]) => ({
        key,
        leads: thousands(t.leads),
        customers: thousands(t.customers),
        ratio: percent(t.customers, t.leads),
      })),
    );

    const chart = page.locator('#chart-ratio svg');
    await expect.poll(() => chart.isVisible()).toBe(true);
    expect((await chart.boundingBox())!.width).toBeGreaterThan(200);
    const chartText = await chart.locator('text').allTextContents();
    expect(chartText).toEqual(expect.arrayContaining(['Plain', 'Urgent', 'Friendly']));
    expect(chartText).toContain(percent(b!.customers, b!.leads));

    // The CSV holds the JSON report's figures, unrounded.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`campaign-${campaignId}-report.csv`);
    const [header, ...rows] = readFileSync((await download.path())!, 'utf8')
      .trimEnd()
      .split('\r\n');
    const columns = header!.split(',');
    const csv = rows.map((row) =>
      Object.fromEntries(row.split(',').map((v, i) => [columns[i], v])),
    );
    const report = await reportJson(served, campaignId);
    expect(report.verdict.kind).toBe('winner');
    expect(report.verdict.sentence).toBe(await verdict.textContent());
    expect(csv).toHaveLength(3);
    for (const [i, variant] of report.variants.entries()) {
      const row = csv[i]!;
      expect(row.variant).toBe(variant.key);
      expect(Number(row.leads)).toBe(variant.leads);
      expect(Number(row.customers)).toBe(variant.customers);
      expect(variant.clicked.human).toBe(traffic[variant.key]!.clickers);
      expect(Number(row.clicked_human)).toBe(variant.clicked.human);
      expect(Number(row.lead_to_customer_ratio)).toBe(variant.figures.rate);
      expect(Number(row.probability_to_be_best)).toBe(variant.figures.probabilityToBeBest);
      expect(row.p_value_adjusted).toBe(
        variant.figures.adjustedPValue === null ? '' : String(variant.figures.adjustedPValue),
      );
    }

    expect(dialogs).toEqual([]);
    await close();
  });

  it('lays the report out at 1280 and 390 pixels wide without sideways scrolling', async () => {
    const served = await serveApp();
    const campaignId = await decidedCampaign(served);
    const { page, close } = await openPage();
    await signIn(page, served.base);
    await page.goto(`${served.base}/campaigns/${campaignId}`);
    expect(await page.locator('[data-verdict]').getAttribute('data-verdict')).toBe('winner');
    mkdirSync(ARTIFACTS, { recursive: true });

    await page.screenshot({ path: join(ARTIFACTS, 'report-1280.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: join(ARTIFACTS, 'report-390.png'), fullPage: true });

    // Wide tables scroll inside their own box; the page itself must not.
    const pageWidth = await page.evaluate('document.documentElement.scrollWidth');
    expect(pageWidth).toBeLessThanOrEqual(392);
    const chartEdges = await page
      .locator('.chart svg')
      .evaluateAll((svgs) => svgs.map((svg) => svg.getBoundingClientRect().right));
    expect(chartEdges).toHaveLength(3);
    for (const right of chartEdges) expect(right).toBeLessThanOrEqual(390);
    await close();
  });

  it('works out the calculator for a visitor who is not signed in', async () => {
    const served = await serveApp();
    const { page, close } = await openPage();
    await page.goto(`${served.base}/calculator`);

    const rows = page.locator('.grid-rows .row');
    await rows.nth(0).getByLabel('Leads').fill('1000');
    await rows.nth(0).getByLabel('Customers').fill('40');
    await rows.nth(1).getByLabel('Group name').fill('Urgent subject');
    await rows.nth(1).getByLabel('Leads').fill('1000');
    await rows.nth(1).getByLabel('Customers').fill('120');
    await page.getByRole('button', { name: 'Calculate' }).click();
    await page.waitForURL(/\/calculator\?/);

    expect(await page.locator('#calc-result + .verdict-sentence').textContent()).toBe(
      'Urgent subject turns 12.0 % of leads into customers against 4.0 % for Group A; ' +
        'a difference this large is unlikely to be chance.',
    );
    const ratios = await page.locator('#calc-result ~ .scroll td.ratio').allTextContents();
    expect(ratios).toEqual(['4.0 %', '12.0 %']);
    expect(await page.getByLabel('Group name').nth(1).inputValue()).toBe('Urgent subject');
    await close();
  });

  it('shows names written as markup as text, and runs none of it', async () => {
    const served = await serveApp();
    const name = '<script>alert(1)</script>';
    const variantName = '<img src=x onerror=alert(2)>';
    const { body } = await served.api
      .post('/api/campaigns')
      .send(
        campaignBody({
          name,
          variants: [
            { key: 'a', name: variantName, subject: 'Hello' },
            { key: 'b', name: 'Plain', subject: 'Hello again' },
          ],
        }),
      )
      .expect(201);
    const { page, dialogs, close } = await openPage();
    await signIn(page, served.base);

    const link = page.locator(`a[href="/campaigns/${body.id}"]`);
    expect(await link.textContent()).toBe(name);
    await link.click();
    await page.waitForURL(`${served.base}/campaigns/${body.id}`);
    expect(await page.locator('h1').textContent()).toBe(name);
    expect(await page.title()).toBe(`${name} · leadsplit`);
    expect(await page.locator('table.results tr[data-variant="a"] th').textContent()).toBe(
      `${variantName} (control)`,
    );
    // The charts are SVG pasted into the page as is: a name in them must stay text too.
    expect(await page.locator('#chart-ratio svg text').allTextContents()).toContain(variantName);
    expect(await page.locator('main img, main script').count()).toBe(0);

    // Give a deferred handler a moment to fire, were there one.
    await page.waitForTimeout(200);
    expect(dialogs).toEqual([]);
    await close();
  });

  it('labels every field of the new-campaign form and of the calculator', async () => {
    const served = await serveApp();
    const { page, close } = await openPage();

    await page.goto(`${served.base}/calculator`);
    const calculator = await fieldLabels(page);
    expect(calculator.map((f) => f.name)).toEqual(
      expect.arrayContaining(['name', 'leads', 'customers', 'confidence', 'mde']),
    );
    expect(calculator.filter((f) => !f.labelled)).toEqual([]);

    await signIn(page, served.base);
    await page.goto(`${served.base}/campaigns/new`);
    await page.getByRole('button', { name: 'Add a variant' }).click();
    const form = await fieldLabels(page);
    expect(form.map((f) => f.name)).toEqual(
      expect.arrayContaining(['name', 'goal', 'confidence', 'l0_url', 'v2_subject', 'control']),
    );
    expect(form.filter((f) => !f.labelled)).toEqual([]);
    await close();
  });
});
