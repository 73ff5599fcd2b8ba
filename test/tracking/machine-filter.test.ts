import { describe, expect, it } from 'vitest';
import {
  clickMachineReason,
  openMachineReason,
  type ClickFacts,
} from '../../src/tracking/machine-filter';

const CHROME =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';
const IPHONE_MAIL =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148';

describe('openMachineReason', () => {
  it.each([
    [CHROME, null],
    [IPHONE_MAIL, null],
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
});

describe('clickMachineReason', () => {
  const sentAt = 1_000_000;
  const base: ClickFacts = {
    userAgent: CHROME,
    at: sentAt + 3_600_000,
    sentAt,
    linkKey: 'shop',
    linkCount: 3,
    earlierClicks: [],
  };

  it.each<[string, Partial<ClickFacts>, string | null]>([
    ['a person in a browser an hour later', {}, null],
    ['a person on a phone', { userAgent: IPHONE_MAIL }, null],
    [
      'a Proofpoint scanner',
      { userAgent: 'Mozilla/5.0 Proofpoint URL Defense' },
      'email security scanner',
    ],
    ['Mimecast', { userAgent: 'Mimecast-Url-Protect/1.0' }, 'email security scanner'],
    ['Outlook Safe Links', { userAgent: 'Mozilla/5.0 SafeLinks' }, 'link preview or safety check'],
    ['BingPreview', { userAgent: 'Mozilla/5.0 BingPreview/1.0b' }, 'link preview or safety check'],
    ['Slack unfurling', { userAgent: 'Slackbot-LinkExpanding 1.0' }, 'crawler user agent'],
    [
      'Googlebot',
      { userAgent: 'Googlebot/2.1 (+http://www.google.com/bot.html)' },
      'crawler user agent',
    ],
    ['curl', { userAgent: 'curl/8.4.0' }, 'HTTP library'],
    ['python requests', { userAgent: 'python-requests/2.31' }, 'HTTP library'],
    ['headless Chrome', { userAgent: 'Mozilla/5.0 HeadlessChrome/120.0' }, 'automated browser'],
    ['no user agent', { userAgent: undefined }, 'no user agent'],
    ['a click 2 s after sending', { at: sentAt + 2_000 }, 'clicked within seconds of delivery'],
    ['a click 6 s after sending', { at: sentAt + 6_000 }, null],
    ['a click on an unsent message', { sentAt: null }, null],
    [
      'the last of all three links clicked within a second',
      {
        earlierClicks: [
          { linkKey: 'blog', at: sentAt + 3_600_000 - 400 },
          { linkKey: 'help', at: sentAt + 3_600_000 - 200 },
        ],
      },
      'every link clicked within a second',
    ],
    [
      'two of three links within a second',
      { earlierClicks: [{ linkKey: 'blog', at: sentAt + 3_600_000 - 200 }] },
      null,
    ],
    [
      'all links, but spread over minutes',
      {
        earlierClicks: [
          { linkKey: 'blog', at: sentAt + 3_600_000 - 120_000 },
          { linkKey: 'help', at: sentAt + 3_600_000 - 60_000 },
        ],
      },
      null,
    ],
    ['the only link of a one-link campaign', { linkCount: 1 }, null],
    [
      'a person clicking again after a scanner swept the links',
      {
        earlierClicks: [
          { linkKey: 'shop', at: sentAt + 1_000 },
          { linkKey: 'blog', at: sentAt + 1_100 },
          { linkKey: 'help', at: sentAt + 1_200 },
        ],
      },
      null,
    ],
  ])('%s → %j', (_name, facts, reason) => {
    expect(clickMachineReason({ ...base, ...facts })).toBe(reason);
  });
});
