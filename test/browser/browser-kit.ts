import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect, onTestFinished } from 'vitest';
import { signConversionBody } from '../../src/tracking/conversion-signature';
import { ADMIN_PASSWORD, manualClock, startApp, type TestApp } from '../helpers';

export const DAY = 86_400_000;

/** A desktop Chrome, so that tracked clicks are taken for a person's. */
export const BROWSER_AGENT =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';

// CI installs Debian's chromium; CHROMIUM_PATH points elsewhere on a machine that differs.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Starts Chromium, or fails with what to install: a missing browser must not pass silently. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `The browser tests need Chromium at ${CHROMIUM}. Install it (apt-get install chromium) ` +
        'or set CHROMIUM_PATH to its executable.',
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export interface ServedApp extends TestApp {
  /** Where the browser reaches the app, also its publicUrl: `http://127.0.0.1:<port>`. */
  base: string;
  clock: ReturnType<typeof manualClock>;
}

/**
 * The app of startApp on a real port, closed when the test ends. The server listens first, so
 * that the app's publicUrl (and so every tracking link it writes) is the real address.
 */
export async function serveApp(): Promise<ServedApp> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clock = manualClock();
  // Errors only: a page that answers 500 in the browser says why in the test output.
  const testApp = startApp({ publicUrl: base, clock, logger: pino({ level: 'error' }) });
  server.on('request', testApp.app);
  return { ...testApp, base, clock };
}

/** Signs in through the form of the sign-in page the browser is on, or goes there first. */
export async function signIn(page: Page, base: string): Promise<void> {
  if (!new URL(page.url(), base).pathname.endsWith('/sign-in')) {
    await page.goto(`${base}/sign-in`);
  }
  await page.getByLabel('Password').fill(ADMIN_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => !url.pathname.endsWith('/sign-in'));
}

export interface SentMessage {
  id: string;
  email: string;
  variant: string;
}

export function sentMessages(served: ServedApp, campaignId: number): SentMessage[] {
  return served.leadsplit.context.sqlite
    .prepare(
      `SELECT m.id, p.email, v.key AS variant
         FROM messages m
         JOIN prospects p ON p.id = m.prospect_id
         JOIN variants v ON v.id = m.variant_id
        WHERE m.campaign_id = ? AND m.status = 'sent'
        ORDER BY m.id`,
    )
    .all(campaignId) as SentMessage[];
}

export interface VariantTraffic {
  leads: number;
  clickers: number;
  customers: number;
}

/**
 * What the people emailed do, a day after the emails went out: in each variant the share
 * `rates[key]` of its leads clicks the first link and buys (a signed postback by email), and
 * as many again only click. Then the clock moves past the 30-day attribution window, so that
 * the verdict no longer waits for late customers.
 */
export async function sendTraffic(
  served: ServedApp,
  campaignId: number,
  linkKey: string,
  rates: Record<string, number>,
): Promise<Record<string, VariantTraffic>> {
  const { base, clock, leadsplit } = served;
  const messages = sentMessages(served, campaignId);
  clock.advance(DAY);

  const traffic: Record<string, VariantTraffic> = {};
  for (const [key, rate] of Object.entries(rates)) {
    const own = messages.filter((m) => m.variant === key);
    const customers = Math.round(own.length * rate);
    const clickers = Math.min(own.length, customers * 2);
    for (const message of own.slice(0, clickers)) {
      const click = await fetch(`${base}/t/c/${message.id}/${linkKey}`, {
        headers: { 'User-Agent': BROWSER_AGENT },
        redirect: 'manual',
      });
      expect(click.status).toBe(302);
    }
    for (const message of own.slice(0, customers)) {
      await postConversion(served, {
        email: message.email,
        goal: 'purchase',
        value: 40,
        idempotencyKey: `order-${message.id}`,
      });
    }
    traffic[key] = { leads: own.length, clickers, customers };
  }

  leadsplit.hits.flush();
  clock.advance(31 * DAY);
  return traffic;
}

/** A conversion as the marketer's server reports it, signed with the installation secret. */
export async function postConversion(served: ServedApp, body: Record<string, unknown>) {
  const raw = JSON.stringify(body);
  const signature = signConversionBody(
    served.leadsplit.context.secret,
    raw,
    served.clock().getTime() / 1000,
  );
  const res = await fetch(`${served.base}/t/conversions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'Leadsplit-Signature': signature },
    body: raw,
  });
  expect(res.status, await res.clone().text()).toBe(200);
  expect(await res.json()).toMatchObject({ duplicate: false, attributed: 1 });
}
