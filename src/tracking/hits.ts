import { createHash } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import type { Context } from '../context';
import { createHitWriter, type HitRow, type HitWriter } from './hit-writer';
import { isMessageId } from './message-id';
import { ALL_LINKS_WINDOW_MS, clickMachineReason, openMachineReason } from './machine-filter';
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
  sentAt: number | null;
  linkKey: string;
  /** Where the click goes: the link's stored address, with the conversion token when wanted. */
  destination: string;
  linkCount: number;
}

export interface HitContext {
  userAgent: string | undefined;
  ip: string | undefined;
}

interface CampaignLink {
  url: string;
  appendToken: boolean;
  count: number;
}

/** Appends lsid=<token> to an address, leaving its query string and fragment as they were. */
export function withToken(url: string, token: string): string {
  const hash = url.indexOf('#');
  const base = hash === -1 ? url : url.slice(0, hash);
  const fragment = hash === -1 ? '' : url.slice(hash);
  const joiner = base.includes('?') ? (base.endsWith('?') || base.endsWith('&') ? '' : '&') : '?';
  return `${base}${joiner}lsid=${encodeURIComponent(token)}${fragment}`;
}

/** Networks hashed lately: a few networks (mail scanners, privacy proxies) send most hits. */
const networkHashes = new Map<string, string>();
const NETWORK_HASHES_KEPT = 10_000;

/**
 * The network a client is in, not the client: IPv4 to /24, IPv6 to /48, hashed with the
 * installation's secret, so hits from one place can be told apart without storing addresses.
 */
export function hashNetwork(secret: string, ip: string | undefined): string | null {
  if (!ip) return null;
  const v4 = /^(?:::ffff:)?(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.\d{1,3}$/i.exec(ip);
  let network: string;
  if (v4) network = `${v4[1]}.${v4[2]}.${v4[3]}.0/24`;
  else if (ip.includes(':')) {
    const groups = ip.split('%')[0]!.split(':');
    network = `${groups.slice(0, 3).join(':')}::/48`;
  } else return null;
  const key = `${secret}:${network}`;
  let hash = networkHashes.get(key);
  if (hash === undefined) {
    hash = createHash('sha256').update(key).digest('base64url').slice(0, 16);
    if (networkHashes.size >= NETWORK_HASHES_KEPT) networkHashes.clear();
    networkHashes.set(key, hash);
  }
  return hash;
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
  /** Recent clicks per message, for the every-link-in-a-second rule. */
  private readonly recentClicks = new Map<string, { linkKey: string; at: number }[]>();
  private readonly findClick: Statement;
  private readonly findLinks: Statement;
  /**
   * Each campaign's links, read once: a campaign's links can only change while it is a draft,
   * and a draft has no messages to click.
   */
  private readonly linksByCampaign = new Map<number, Map<string, CampaignLink>>();
  private readonly findMessage: Statement;

  constructor(
    private readonly ctx: Context,
    options: { writerThread?: boolean } = {},
  ) {
    this.writer = createHitWriter(ctx, options.writerThread ?? true);
    this.findClick = ctx.sqlite
      .prepare(
        // The covering index answers from one b-tree; SQLite would otherwise take the primary
        // key's index and then read the row.
        `SELECT campaign_id, variant_id, sent_at FROM messages INDEXED BY messages_lookup
        WHERE id = ?`,
      )
      .raw();
    this.findLinks = ctx.sqlite.prepare(
      `SELECT key, url, append_token AS appendToken FROM links WHERE campaign_id = ?`,
    );
    this.findMessage = ctx.sqlite.prepare(
      `SELECT campaign_id AS campaignId, variant_id AS variantId FROM messages WHERE id = ?`,
    );
    this.timer = setInterval(() => this.handOver(), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  /** Where a tracking link leads, or undefined when the message or link is unknown. */
  clickTarget(messageId: string, linkKey: string): ClickTarget | undefined {
    if (!isMessageId(messageId) || linkKey.length === 0 || linkKey.length > MAX_LINK_KEY) {
      return undefined;
    }
    const row = this.findClick.get(messageId) as [number, number, number | null] | undefined;
    if (!row) return undefined;
    const [campaignId, variantId, sentAt] = row;
    const link = this.linksOf(campaignId).get(linkKey);
    if (!link) return undefined;
    return {
      messageId,
      linkKey,
      campaignId,
      variantId,
      sentAt,
      linkCount: link.count,
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
      links = new Map(
        rows.map((r) => [
          r.key,
          { url: r.url, appendToken: r.appendToken === 1, count: rows.length },
        ]),
      );
      this.linksByCampaign.set(campaignId, links);
    }
    return links;
  }

  recordClick(target: ClickTarget, hit: HitContext): void {
    const at = this.ctx.clock().getTime();
    const previous = this.recentClicks.get(target.messageId);
    const earlier = previous ? previous.filter((c) => at - c.at <= ALL_LINKS_WINDOW_MS) : [];
    const reason = clickMachineReason({
      userAgent: hit.userAgent,
      at,
      sentAt: target.sentAt,
      linkKey: target.linkKey,
      linkCount: target.linkCount,
      earlierClicks: earlier,
    });
    earlier.push({ linkKey: target.linkKey, at });
    this.recentClicks.set(target.messageId, earlier);

    this.push([
      target.messageId,
      target.campaignId,
      target.variantId,
      'clicked',
      at,
      target.linkKey,
      hit.userAgent?.slice(0, 512) ?? null,
      hashNetwork(this.ctx.secret, hit.ip),
      reason === null ? 0 : 1,
      reason,
    ]);
    if (reason === 'every link clicked within a second') {
      // The earlier clicks of the sweep looked human one at a time; now they are not. The
      // writer flags them after storing the clicks handed over before.
      this.handOver();
      this.writer.sweep(target.messageId, at - ALL_LINKS_WINDOW_MS, reason);
    }
  }

  /** Records an open; answers nothing, since the pixel answers the same either way. */
  recordOpen(messageId: string, hit: HitContext): void {
    if (!isMessageId(messageId)) return;
    const message = this.findMessage.get(messageId) as
      { campaignId: number; variantId: number } | undefined;
    if (!message) return;
    const reason = openMachineReason({ userAgent: hit.userAgent });
    this.push([
      messageId,
      message.campaignId,
      message.variantId,
      'opened',
      this.ctx.clock().getTime(),
      null,
      hit.userAgent?.slice(0, 512) ?? null,
      hashNetwork(this.ctx.secret, hit.ip),
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
    this.forgetOldClicks();
  }

  /** Stores every hit recorded so far before it returns. */
  flush(): void {
    this.handOver();
    this.writer.settle();
  }

  private forgetOldClicks(): void {
    const cutoff = this.ctx.clock().getTime() - ALL_LINKS_WINDOW_MS;
    for (const [messageId, clicks] of this.recentClicks) {
      if (clicks.every((c) => c.at < cutoff)) this.recentClicks.delete(messageId);
    }
  }

  /** Stops the timer and stores what is left; hits recorded later are written at once. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.closed = true;
    this.handOver();
    await this.writer.close();
  }
}
