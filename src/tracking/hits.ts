import type { Statement } from 'better-sqlite3';
import { canonicalLinkUrl } from '../campaigns/input';
import type { Context } from '../context';
import { campaignEmails } from '../sending/campaign-email';
import { linkKeysIn } from '../sending/render';
import { createHitWriter, type HitRow, type HitWriter } from './hit-writer';
import { isMessageId } from './message-id';
import { networkHasher } from './network';
import { ALL_LINKS_WINDOW_MS, judgeClick, openMachineReason, SWEEP_REASON } from './machine-filter';
import { conversionToken } from './token';

/** How often buffered hits are written; also what a hard crash can lose at most. */
export const FLUSH_INTERVAL_MS = 50;
/** A buffer this full is written at once rather than at the next tick. */
const FLUSH_AT_ROWS = 2_000;
const MAX_LINK_KEY = 32;

export interface ClickTarget {
  messageId: string;
  campaignId: number;
  variantId: number;
  /** When the email arrived: delivered as the provider reported, or else sent. */
  arrivedAt: number | null;
  linkKey: string;
  /** Where the click goes: the link's stored address, with the conversion token when wanted. */
  destination: string;
  /** The keys of the links in the message's email, which a sweep clicks all of. */
  emailLinkKeys: readonly string[];
}

export interface HitContext {
  userAgent: string | undefined;
  ip: string | undefined;
}

interface CampaignLink {
  url: string;
  appendToken: boolean;
}

/** A message as the covering index holds it: campaign, variant, when sent and delivered. */
type MessageRow = [number, number, number | null, number | null];

/** Appends lsid=<token> to an address, leaving its query string and fragment as they were. */
export function withToken(url: string, token: string): string {
  const hash = url.indexOf('#');
  const base = hash === -1 ? url : url.slice(0, hash);
  const fragment = hash === -1 ? '' : url.slice(hash);
  const joiner = base.includes('?') ? (base.endsWith('?') || base.endsWith('&') ? '' : '&') : '?';
  return `${base}${joiner}lsid=${encodeURIComponent(token)}${fragment}`;
}

/** This many messages at most are remembered for the every-link rule. */
const RECENT_MESSAGES_KEPT = 50_000;
/** How many stale messages one flush tick forgets at most, so that a tick stays short. */
const FORGET_PER_TICK = 5_000;
const NO_CLICKS: ReadonlyMap<string, number> = new Map();

/** What the every-link rule needs to know of one message's recent clicks. */
interface RecentClicks {
  /** When each link was last clicked: one entry per link key, whatever the number of clicks. */
  lastClicks: Map<string, number>;
  /** The latest click judged a person's that no sweep has flagged since, if any. */
  humanAt: number | undefined;
  lastAt: number;
}

/**
 * Records clicks and opens for the public tracking routes. Each request costs one indexed
 * lookup; the hit itself joins a write-behind buffer that is handed to the hit writer (a
 * thread of its own for a database file) every FLUSH_INTERVAL_MS, and stored at once by
 * flush() and close(). That is what lets a tracking hit cost little more than answering it.
 */
export class HitRecorder {
  private buffer: HitRow[] = [];
  private closed = false;
  /** Stores what the buffer hands over. */
  readonly writer: HitWriter;
  private readonly timer: NodeJS.Timeout;
  /**
   * Recent clicks per message, for the every-link-in-a-second rule, least recently clicked
   * first: a click moves its message to the end, so the stale ones are found at the start.
   */
  // TODO: this memory lives in one process. With several instances behind a load balancer, a
  // scanner's clicks on one message can land on different instances and escape the every-link
  // rule; routing /t/c/<message id> to one instance by message id, or a shared store, would
  // close that.
  private readonly recentClicks = new Map<string, RecentClicks>();
  private readonly findMessage: Statement;
  private readonly findLinks: Statement;
  /**
   * Each campaign's links, read once: a campaign's links can only change while it is a draft,
   * and a draft has no messages to click.
   */
  private readonly linksByCampaign = new Map<number, Map<string, CampaignLink>>();
  /** The link keys in each variant's email, by variant id, worked out once for the same reason. */
  private readonly emailLinksByVariant = new Map<number, readonly string[]>();
  private readonly hashNetwork: (ip: string | undefined) => string | null;

  constructor(
    private readonly ctx: Context,
    options: { writerThread?: boolean } = {},
  ) {
    this.writer = createHitWriter(ctx, options.writerThread ?? true);
    this.findMessage = ctx.sqlite
      .prepare(
        // The covering index answers from one b-tree; SQLite would otherwise take the primary
        // key's index and then read the row.
        `SELECT campaign_id, variant_id, sent_at, delivered_at FROM messages
          INDEXED BY messages_lookup
        WHERE id = ?`,
      )
      .raw();
    this.findLinks = ctx.sqlite.prepare(
      `SELECT key, url, append_token AS appendToken FROM links WHERE campaign_id = ?`,
    );
    this.hashNetwork = networkHasher(ctx.secret);
    this.timer = setInterval(() => this.tick(), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  /** Where a tracking link leads, or undefined when the message or link is unknown. */
  clickTarget(messageId: string, linkKey: string): ClickTarget | undefined {
    if (!isMessageId(messageId) || linkKey.length === 0 || linkKey.length > MAX_LINK_KEY) {
      return undefined;
    }
    const row = this.findMessage.get(messageId) as MessageRow | undefined;
    if (!row) return undefined;
    const [campaignId, variantId, sentAt, deliveredAt] = row;
    const link = this.linksOf(campaignId).get(linkKey);
    if (!link) return undefined;
    return {
      messageId,
      linkKey,
      campaignId,
      variantId,
      arrivedAt: deliveredAt ?? sentAt,
      emailLinkKeys: this.emailLinksOf(campaignId, variantId),
      destination: link.appendToken
        ? withToken(link.url, conversionToken(this.ctx.secret, messageId))
        : link.url,
    };
  }

  private linksOf(campaignId: number): Map<string, CampaignLink> {
    let links = this.linksByCampaign.get(campaignId);
    if (!links) {
      const rows = this.findLinks.all(campaignId) as {
        key: string;
        url: string;
        appendToken: number;
      }[];
      links = new Map();
      for (const row of rows) {
        // Older databases hold addresses as they were typed, which a Location header cannot
        // always carry (non-ASCII, control characters): the canonical spelling always fits.
        const url = canonicalLinkUrl(row.url);
        if (url === undefined) {
          this.ctx.logger.warn(
            { campaignId, linkKey: row.key },
            'stored link is not an absolute http(s) address; its clicks answer 404',
          );
          continue;
        }
        links.set(row.key, { url, appendToken: row.appendToken === 1 });
      }
      this.linksByCampaign.set(campaignId, links);
    }
    return links;
  }

  /**
   * The keys of the links a variant's email contains: a sweep is every link the recipient
   * could click, not every link of the campaign.
   */
  private emailLinksOf(campaignId: number, variantId: number): readonly string[] {
    let keys = this.emailLinksByVariant.get(variantId);
    if (keys === undefined) {
      try {
        const { compiled } = campaignEmails(this.ctx).forVariant(campaignId, variantId);
        keys = linkKeysIn(compiled.html, this.ctx.publicUrl);
      } catch (error) {
        // The email no longer compiles (its template file is gone, say): all the campaign's
        // links is the nearest guess, and a sweep then needs every one of them.
        keys = [...this.linksOf(campaignId).keys()];
        this.ctx.logger.warn(
          { campaignId, variantId, err: error },
          'variant email could not be compiled; judging sweeps by all the campaign links',
        );
      }
      this.emailLinksByVariant.set(variantId, keys);
    }
    return keys;
  }

  recordClick(target: ClickTarget, hit: HitContext): void {
    const at = this.ctx.clock().getTime();
    // An email with one link has no sweep to find: its clicks need no memory.
    const recent =
      target.emailLinkKeys.length >= 2 ? this.recentClicksOf(target.messageId, at) : undefined;
    const verdict = judgeClick({
      userAgent: hit.userAgent,
      at,
      arrivedAt: target.arrivedAt,
      linkKey: target.linkKey,
      emailLinkKeys: target.emailLinkKeys,
      lastClicks: recent?.lastClicks ?? NO_CLICKS,
    });

    this.push([
      target.messageId,
      target.campaignId,
      target.variantId,
      'clicked',
      at,
      target.linkKey,
      hit.userAgent?.slice(0, 512) ?? null,
      this.hashNetwork(hit.ip),
      verdict.reason === null ? 0 : 1,
      verdict.reason,
    ]);

    if (!recent) return;
    recent.lastClicks.set(target.linkKey, at);
    recent.lastAt = Math.max(recent.lastAt, at);
    if (verdict.reason === null) {
      recent.humanAt = at;
    } else if (
      verdict.completesLinkSet &&
      recent.humanAt !== undefined &&
      at - recent.humanAt <= ALL_LINKS_WINDOW_MS
    ) {
      // The earlier clicks of the sweep looked human one at a time; now they are not. Only a
      // click judged human is left to flag, so a flood of machine clicks never sweeps again.
      // The writer flags them after storing the clicks handed over before.
      recent.humanAt = undefined;
      this.handOver();
      this.writer.sweep(target.messageId, at - ALL_LINKS_WINDOW_MS, SWEEP_REASON);
    }
  }

  /** The message's recent clicks, its entry moved to the end as the most recently clicked. */
  private recentClicksOf(messageId: string, at: number): RecentClicks {
    let recent = this.recentClicks.get(messageId);
    if (recent) {
      this.recentClicks.delete(messageId);
    } else {
      recent = { lastClicks: new Map(), humanAt: undefined, lastAt: at };
      if (this.recentClicks.size >= RECENT_MESSAGES_KEPT) {
        // Full: the least recently clicked message goes, which is almost always a stale one.
        this.recentClicks.delete(this.recentClicks.keys().next().value!);
      }
    }
    this.recentClicks.set(messageId, recent);
    return recent;
  }

  /** Records an open; answers nothing, since the pixel answers the same either way. */
  recordOpen(messageId: string, hit: HitContext): void {
    if (!isMessageId(messageId)) return;
    const row = this.findMessage.get(messageId) as MessageRow | undefined;
    if (!row) return;
    const [campaignId, variantId] = row;
    const reason = openMachineReason({ userAgent: hit.userAgent });
    this.push([
      messageId,
      campaignId,
      variantId,
      'opened',
      this.ctx.clock().getTime(),
      null,
      hit.userAgent?.slice(0, 512) ?? null,
      this.hashNetwork(hit.ip),
      reason === null ? 0 : 1,
      reason,
    ]);
  }

  private push(row: HitRow): void {
    this.buffer.push(row);
    if (this.closed || this.buffer.length >= FLUSH_AT_ROWS) this.handOver();
  }

  /** Hands the buffered hits to the writer, which stores them soon. */
  private handOver(): void {
    if (this.buffer.length > 0) {
      const rows = this.buffer;
      this.buffer = [];
      this.writer.write(rows);
    } else {
      this.writer.retry();
    }
  }

  private tick(): void {
    this.handOver();
    this.forgetOldClicks();
  }

  /** Stores every hit recorded so far before it returns. */
  flush(): void {
    this.handOver();
    this.writer.settle();
  }

  /**
   * Forgets messages clicked last before the window, from the least recently clicked on: the
   * work stops at the first message still in the window, or after FORGET_PER_TICK.
   */
  private forgetOldClicks(): void {
    const cutoff = this.ctx.clock().getTime() - ALL_LINKS_WINDOW_MS;
    let forgotten = 0;
    for (const [messageId, recent] of this.recentClicks) {
      if (recent.lastAt >= cutoff || forgotten >= FORGET_PER_TICK) break;
      this.recentClicks.delete(messageId);
      forgotten++;
    }
  }

  /** How many messages the every-link rule remembers now; for tests and diagnostics. */
  get rememberedMessages(): number {
    return this.recentClicks.size;
  }

  /** Stops the timer and stores what is left; hits recorded later are written at once. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.closed = true;
    this.handOver();
    await this.writer.close();
  }
}
