import { describe, expect, it } from 'vitest';
import {
  ALL_LINKS_WINDOW_MS,
  CLICK_AFTER_SEND_MS,
  clickMachineReason,
  judgeClick,
  openMachineReason,
  SWEEP_REASON,
  type ClickFacts,
  type LinkClickFacts,
  type OpenFacts,
} from '../../src/tracking/machine-filter';

const CHROME =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';
const IPHONE_MAIL =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148';
const OUTLOOK_WINDOWS = 'Mozilla/4.0 (compatible; ms-office; MSOffice 16)';
const OUTLOOK_365 = 'Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17328; Pro)';

describe('openMachineReason', () => {
  it.each<[string | undefined, string | null]>([
    [CHROME, null],
    [IPHONE_MAIL, null],
    // Mail clients that fetch images themselves when a person opens the email.
    [OUTLOOK_WINDOWS, null],
    [OUTLOOK_365, null],
    [
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)',
      null,
    ],
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Thunderbird/128.3.1',
      null,
    ],
    [
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) ' +
        'Chrome/70.0.3538.102 Safari/537.36 Edge/18.19045',
      null,
    ],
    [
      'Mozilla/5.0 (Linux; Android 14; SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) ' +
        'SamsungBrowser/25.0 Chrome/121.0 Mobile Safari/537.36',
      null,
    ],
    ['Mozilla/5.0', 'Apple Mail Privacy Protection'],
    [
      'Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)',
      'image proxy (Gmail)',
    ],
    [
      'YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html',
      'image proxy (Yahoo)',
    ],
    ['Barracuda Sentinel (EE)', 'email security scanner'],
    ['', 'no user agent'],
    [undefined, 'no user agent'],
  ])('for %j answers %j', (userAgent, reason) => {
    expect(openMachineReason({ userAgent })).toBe(reason);
  });

  it.each<[string, OpenFacts, string | null]>([
    [
      'a machine open by the provider’s judgement',
      { userAgent: CHROME, providerMachineOpen: true },
      'machine open reported by the email provider',
    ],
    [
      'a person by the provider’s judgement',
      { userAgent: CHROME, providerMachineOpen: false },
      null,
    ],
    [
      'the user agent’s reason before the provider’s',
      { userAgent: 'Mozilla/5.0', providerMachineOpen: true },
      'Apple Mail Privacy Protection',
    ],
    [
      'a scanner the provider took for a person',
      { userAgent: 'Mimecast', providerMachineOpen: false },
      'email security scanner',
    ],
    ['no user agent reported', { userAgent: undefined, providerMachineOpen: false }, null],
    [
      'no user agent reported, a machine by the provider',
      { userAgent: undefined, providerMachineOpen: true },
      'machine open reported by the email provider',
    ],
  ])('reported by a provider: %s → %j', (_name, facts, reason) => {
    expect(openMachineReason({ ...facts, reportedByProvider: true })).toBe(reason);
  });
});

describe('clickMachineReason', () => {
  const sentAt = 1_000_000;

  it.each<[string, ClickFacts, string | null]>([
    [
      'a person an hour later',
      { userAgent: CHROME, at: sentAt + 3_600_000, arrivedAt: sentAt },
      null,
    ],
    [
      'an Office link check',
      { userAgent: OUTLOOK_WINDOWS, at: sentAt + 3_600_000, arrivedAt: sentAt },
      'link check by an Office client',
    ],
    [
      'a click 2 s after sending',
      { userAgent: CHROME, at: sentAt + 2_000, arrivedAt: sentAt },
      'clicked within seconds of delivery',
    ],
    [
      'no user agent reported',
      { userAgent: undefined, at: sentAt + 60_000, arrivedAt: sentAt },
      null,
    ],
  ])('reported by a provider: %s → %j', (_name, facts, reason) => {
    expect(clickMachineReason({ ...facts, reportedByProvider: true })).toBe(reason);
  });
});

describe('judgeClick', () => {
  const sentAt = 1_000_000;
  const at = sentAt + 3_600_000;
  const base: LinkClickFacts = {
    userAgent: CHROME,
    at,
    arrivedAt: sentAt,
    linkKey: 'shop',
    emailLinkKeys: ['shop', 'blog', 'help'],
    lastClicks: new Map(),
  };
  const clicked = (entries: [string, number][]) => new Map(entries);

  it.each<[string, Partial<LinkClickFacts>, string | null, boolean]>([
    ['a person in a browser an hour later', {}, null, false],
    ['a person on a phone', { userAgent: IPHONE_MAIL }, null, false],
    [
      'a Proofpoint scanner',
      { userAgent: 'Mozilla/5.0 Proofpoint URL Defense' },
      'email security scanner',
      false,
    ],
    ['Mimecast', { userAgent: 'Mimecast-Url-Protect/1.0' }, 'email security scanner', false],
    [
      'Outlook Safe Links',
      { userAgent: 'Mozilla/5.0 SafeLinks' },
      'link preview or safety check',
      false,
    ],
    [
      'BingPreview',
      { userAgent: 'Mozilla/5.0 BingPreview/1.0b' },
      'link preview or safety check',
      false,
    ],
    ['Slack unfurling', { userAgent: 'Slackbot-LinkExpanding 1.0' }, 'crawler user agent', false],
    [
      'Googlebot',
      { userAgent: 'Googlebot/2.1 (+http://www.google.com/bot.html)' },
      'crawler user agent',
      false,
    ],
    ['curl', { userAgent: 'curl/8.4.0' }, 'HTTP library', false],
    ['python requests', { userAgent: 'python-requests/2.31' }, 'HTTP library', false],
    [
      'headless Chrome',
      { userAgent: 'Mozilla/5.0 HeadlessChrome/120.0' },
      'automated browser',
      false,
    ],
    [
      'Outlook for Windows checking the link',
      { userAgent: OUTLOOK_WINDOWS },
      'link check by an Office client',
      false,
    ],
    [
      'Outlook 365 checking the link',
      { userAgent: OUTLOOK_365 },
      'link check by an Office client',
      false,
    ],
    ['no user agent', { userAgent: undefined }, 'no user agent', false],
    [
      'a click 2 s after sending',
      { at: sentAt + 2_000 },
      'clicked within seconds of delivery',
      false,
    ],
    [
      'a click 1 ms short of 5 s after sending',
      { at: sentAt + CLICK_AFTER_SEND_MS - 1 },
      'clicked within seconds of delivery',
      false,
    ],
    ['a click exactly 5,000 ms after sending', { at: sentAt + CLICK_AFTER_SEND_MS }, null, false],
    ['a click 6 s after sending', { at: sentAt + 6_000 }, null, false],
    ['a click on a message whose send is unsettled', { arrivedAt: null }, null, false],
    [
      'the last of all three links clicked within a second',
      {
        lastClicks: clicked([
          ['blog', at - 400],
          ['help', at - 200],
        ]),
      },
      SWEEP_REASON,
      true,
    ],
    [
      'the last of three links exactly 1,000 ms after the first',
      {
        lastClicks: clicked([
          ['blog', at - ALL_LINKS_WINDOW_MS],
          ['help', at - 200],
        ]),
      },
      SWEEP_REASON,
      true,
    ],
    [
      'the last of three links 1,001 ms after the first',
      {
        lastClicks: clicked([
          ['blog', at - ALL_LINKS_WINDOW_MS - 1],
          ['help', at - 200],
        ]),
      },
      null,
      false,
    ],
    [
      'two of three links within a second',
      { lastClicks: clicked([['blog', at - 200]]) },
      null,
      false,
    ],
    [
      'the same link clicked twice and another once',
      {
        lastClicks: clicked([
          ['shop', at - 300],
          ['blog', at - 200],
        ]),
      },
      null,
      false,
    ],
    [
      'all links, but spread over minutes',
      {
        lastClicks: clicked([
          ['blog', at - 120_000],
          ['help', at - 60_000],
        ]),
      },
      null,
      false,
    ],
    [
      'both links of an email holding two of the campaign’s three',
      { emailLinkKeys: ['shop', 'blog'], lastClicks: clicked([['blog', at - 300]]) },
      SWEEP_REASON,
      true,
    ],
    [
      'a link outside the email after all of the email’s links',
      {
        linkKey: 'help',
        emailLinkKeys: ['shop', 'blog'],
        lastClicks: clicked([
          ['shop', at - 300],
          ['blog', at - 200],
        ]),
      },
      null,
      false,
    ],
    ['the only link of a one-link email', { emailLinkKeys: ['shop'] }, null, false],
    [
      'a scanner’s user agent completing the set',
      {
        userAgent: 'Mimecast-Url-Protect/1.0',
        lastClicks: clicked([
          ['blog', at - 400],
          ['help', at - 200],
        ]),
      },
      'email security scanner',
      true,
    ],
    [
      'a click seconds after sending completing the set',
      {
        at: sentAt + 1_500,
        lastClicks: clicked([
          ['blog', sentAt + 1_200],
          ['help', sentAt + 1_300],
        ]),
      },
      'clicked within seconds of delivery',
      true,
    ],
    [
      'a person clicking again an hour after a scanner swept the links',
      {
        lastClicks: clicked([
          ['shop', sentAt + 1_000],
          ['blog', sentAt + 1_100],
          ['help', sentAt + 1_200],
        ]),
      },
      null,
      false,
    ],
    [
      'a person clicking 3 s after a scanner swept the links',
      {
        lastClicks: clicked([
          ['shop', at - 3_200],
          ['blog', at - 3_100],
          ['help', at - 3_000],
        ]),
      },
      null,
      false,
    ],
  ])('%s → %j, completes the set: %j', (_name, facts, reason, complete) => {
    expect(judgeClick({ ...base, ...facts })).toEqual({ reason, completesLinkSet: complete });
  });
});
