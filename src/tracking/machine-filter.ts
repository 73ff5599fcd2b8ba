// Security scanners, link prefetchers and privacy proxies open and click mail without a
// person. Their hits are kept, flagged, and left out of the human figures. Every rule that
// decides this lives here, so the whole policy can be read (and tested) in one place.

/** A click this soon after sending was not made by a person reading the email. */
export const CLICK_AFTER_SEND_MS = 5_000;
/** Every link of a message clicked inside this window is a scanner following them all. */
export const ALL_LINKS_WINDOW_MS = 1_000;

/** One case-insensitive pattern matching any of the given names. */
const anyOf = (...names: string[]) => new RegExp(names.join('|'), 'i');

const SCANNER_AGENTS: [RegExp, string][] = [
  [/bot\b|crawler|spider|slurp/i, 'crawler user agent'],
  [/headless|phantomjs|selenium|puppeteer|playwright/i, 'automated browser'],
  [
    anyOf(
      'curl/',
      'wget/',
      'python-requests',
      'python-urllib',
      'go-http-client',
      'java/',
      'okhttp',
      'axios/',
      'node-fetch',
      'libwww',
      'scrapy',
      'httpclient',
    ),
    'HTTP library',
  ],
  [
    anyOf(
      'barracuda',
      'proofpoint',
      'mimecast',
      'symantec',
      'messagelabs',
      'forcepoint',
      'trend ?micro',
      'sophos',
      'fortiguard',
      'ironport',
      'zscaler',
      'appriver',
      'paloalto',
      'checkpoint',
    ),
    'email security scanner',
  ],
  [
    anyOf(
      'safelinks',
      'bingpreview',
      'google-safety',
      'linkcheck',
      'urlscan',
      'virustotal',
      'preview',
      'facebookexternalhit',
      'slackbot',
      'whatsapp',
      'skypeuripreview',
    ),
    'link preview or safety check',
  ],
  [/ms-office|microsoft office|microsoft outlook [\d.]+ \(link/i, 'link check by an Office client'],
];

const PROXY_OPENERS: [RegExp, string][] = [
  [/googleimageproxy|ggpht\.com/i, 'image proxy (Gmail)'],
  [/yahoomailproxy/i, 'image proxy (Yahoo)'],
];

// Apple Mail Privacy Protection fetches every image of every email through Apple's proxy,
// read or not, presenting a bare "Mozilla/5.0" with nothing after it.
const APPLE_PRIVACY_PROXY = /^Mozilla\/5\.0$/;

export interface OpenFacts {
  userAgent: string | undefined;
}

export interface ClickFacts {
  userAgent: string | undefined;
  /** When the click happened and when the email was sent, in ms since the epoch. */
  at: number;
  sentAt: number | null;
  linkKey: string;
  /** How many links the campaign has. */
  linkCount: number;
  /** This message's earlier clicks, newest last. */
  earlierClicks: { linkKey: string; at: number }[];
}

function agentReason(userAgent: string | undefined): string | null {
  const agent = userAgent?.trim() ?? '';
  if (agent === '') return 'no user agent';
  for (const [pattern, reason] of SCANNER_AGENTS) if (pattern.test(agent)) return reason;
  return null;
}

/** Why an open was a machine's, or null when it looks like a person's. */
export function openMachineReason(facts: OpenFacts): string | null {
  const agent = facts.userAgent?.trim() ?? '';
  if (APPLE_PRIVACY_PROXY.test(agent)) return 'Apple Mail Privacy Protection';
  for (const [pattern, reason] of PROXY_OPENERS) if (pattern.test(agent)) return reason;
  return agentReason(facts.userAgent);
}

/**
 * Why a click was a machine's, or null when it looks like a person's. A person's click that
 * follows a machine's still counts: only the clicks inside the machine's window are flagged.
 */
export function clickMachineReason(facts: ClickFacts): string | null {
  const byAgent = agentReason(facts.userAgent);
  if (byAgent) return byAgent;

  if (facts.sentAt !== null && facts.at - facts.sentAt < CLICK_AFTER_SEND_MS) {
    return 'clicked within seconds of delivery';
  }

  if (facts.linkCount >= 2) {
    const inWindow = facts.earlierClicks.filter((c) => facts.at - c.at <= ALL_LINKS_WINDOW_MS);
    const keys = new Set([facts.linkKey, ...inWindow.map((c) => c.linkKey)]);
    if (keys.size >= facts.linkCount) return 'every link clicked within a second';
  }
  return null;
}
