// Security scanners, link prefetchers and privacy proxies open and click mail without a
// person. Their hits are kept, flagged, and left out of the human figures. Every rule that
// decides this lives here, so the whole policy can be read (and tested) in one place.

/** A click sooner than this after the email arrived was not made by a person reading it. */
export const CLICK_AFTER_SEND_MS = 5_000;
/**
 * Every link of an email clicked within this window (its first and last click at most this far
 * apart) is a scanner following them all.
 */
export const ALL_LINKS_WINDOW_MS = 1_000;
/** The reason given to every click of such a sweep. */
export const SWEEP_REASON = 'every link clicked within a second';

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
];

// Office apps fetch a link themselves before they open it in the browser. Outlook for Windows
// also fetches the images of an email it shows with the same user agent, so it is a machine's
// sign on a click only: the open it reports is a person reading.
const LINK_CHECKERS: [RegExp, string][] = [
  [/ms-office|microsoft office|microsoft outlook [\d.]+ \(link/i, 'link check by an Office client'],
];

const PROXY_OPENERS: [RegExp, string][] = [
  [/googleimageproxy|ggpht\.com/i, 'image proxy (Gmail)'],
  [/yahoomailproxy/i, 'image proxy (Yahoo)'],
];

// Apple Mail Privacy Protection fetches every image of every email through Apple's proxy,
// read or not, presenting a bare "Mozilla/5.0" with nothing after it.
const APPLE_PRIVACY_PROXY = /^Mozilla\/5\.0$/;

interface HitFacts {
  userAgent: string | undefined;
  /**
   * Set for a hit an email provider reports (SendGrid's event webhook): a provider may leave
   * the user agent out, so a missing one says nothing about who it was.
   */
  reportedByProvider?: boolean;
}

export interface OpenFacts extends HitFacts {
  /** The provider's own judgement of the open (SendGrid's sg_machine_open), when it gave one. */
  providerMachineOpen?: boolean;
}

export interface ClickFacts extends HitFacts {
  /** When the click happened, in ms since the epoch. */
  at: number;
  /**
   * When the email arrived: its first delivery the provider reported, else when it was sent
   * (the outbox, or before the report came); null while its send is unsettled.
   */
  arrivedAt: number | null;
}

export interface LinkClickFacts extends ClickFacts {
  linkKey: string;
  /** The keys of the links in this message's email (its variant's), not all the campaign's. */
  emailLinkKeys: readonly string[];
  /** When each link of this message was last clicked before this click, by link key. */
  lastClicks: ReadonlyMap<string, number>;
}

export interface ClickVerdict {
  /** Why the click was a machine's, or null when it looks like a person's. */
  reason: string | null;
  /**
   * This click made every link of the email clicked within the window: the earlier clicks of
   * the window were the same machine's, however human each looked alone.
   */
  completesLinkSet: boolean;
}

/** The user agent of a hit, or undefined when it tells nothing either way. */
function agentOf(facts: HitFacts): string | undefined {
  const agent = facts.userAgent?.trim() ?? '';
  return agent === '' && facts.reportedByProvider ? undefined : agent;
}

function matchReason(agent: string, rules: [RegExp, string][]): string | null {
  for (const [pattern, reason] of rules) if (pattern.test(agent)) return reason;
  return null;
}

function agentReason(agent: string): string | null {
  if (agent === '') return 'no user agent';
  return matchReason(agent, SCANNER_AGENTS);
}

/**
 * Verdicts on user agents already seen. A handful of agents (a few browser versions, the
 * scanners, the proxies) send most hits, and each verdict would cost a dozen patterns.
 */
function remembered(judge: (agent: string) => string | null): (agent: string) => string | null {
  const verdicts = new Map<string, string | null>();
  return (agent) => {
    // A freak agent of kilobytes is judged afresh rather than kept.
    if (agent.length > AGENT_REMEMBERED_LENGTH) return judge(agent);
    let verdict = verdicts.get(agent);
    if (verdict === undefined) {
      verdict = judge(agent);
      if (verdicts.size >= AGENTS_REMEMBERED) verdicts.clear();
      verdicts.set(agent, verdict);
    }
    return verdict;
  };
}
const AGENTS_REMEMBERED = 2_000;
const AGENT_REMEMBERED_LENGTH = 512;

const openAgentReason = remembered((agent) =>
  APPLE_PRIVACY_PROXY.test(agent)
    ? 'Apple Mail Privacy Protection'
    : (matchReason(agent, PROXY_OPENERS) ?? agentReason(agent)),
);

const clickAgentReason = remembered(
  (agent) => agentReason(agent) ?? matchReason(agent, LINK_CHECKERS),
);

/** Why an open was a machine's, or null when it looks like a person's. */
export function openMachineReason(facts: OpenFacts): string | null {
  const agent = agentOf(facts);
  if (agent !== undefined) {
    const reason = openAgentReason(agent);
    if (reason) return reason;
  }
  return facts.providerMachineOpen === true ? 'machine open reported by the email provider' : null;
}

/**
 * Why a click was a machine's by who made it and when, or null when it looks like a person's.
 * The every-link rule needs the message's other clicks: see judgeClick.
 */
export function clickMachineReason(facts: ClickFacts): string | null {
  const agent = agentOf(facts);
  if (agent !== undefined) {
    const reason = clickAgentReason(agent);
    if (reason) return reason;
  }
  if (facts.arrivedAt !== null && facts.at - facts.arrivedAt < CLICK_AFTER_SEND_MS) {
    return 'clicked within seconds of delivery';
  }
  return null;
}

/** Whether, with this click, every link of a two-or-more-link email was clicked in the window. */
function completesLinkSet(facts: LinkClickFacts): boolean {
  const keys = facts.emailLinkKeys;
  if (keys.length < 2 || !keys.includes(facts.linkKey)) return false;
  for (const key of keys) {
    if (key === facts.linkKey) continue;
    const last = facts.lastClicks.get(key);
    if (last === undefined || facts.at - last > ALL_LINKS_WINDOW_MS) return false;
  }
  return true;
}

/**
 * Judges a click of one of leadsplit's tracking links. The every-link rule is judged on its
 * own, so a sweep is seen also when the click completing it is flagged for another reason. A
 * person's click after a machine's still counts: only the clicks inside the window are flagged.
 */
export function judgeClick(facts: LinkClickFacts): ClickVerdict {
  const complete = completesLinkSet(facts);
  const reason = clickMachineReason(facts) ?? (complete ? SWEEP_REASON : null);
  return { reason, completesLinkSet: complete };
}
