import request from 'supertest';
import { describe, expect, it, vi } from 'vitest';
import { recordSendgridEvents } from '../../src/tracking/sendgrid-webhook';
import { messageIdFromToken } from '../../src/tracking/token';
import { PIXEL } from '../../src/http/tracking-router';
import { FLUSH_INTERVAL_MS } from '../../src/tracking/hits';
import {
  campaignBody,
  manualClock,
  prospectCsv,
  sendCampaign,
  startApp,
  tableCounts,
} from '../helpers';

const BROWSER =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0';

const LINKS = [
  { key: 'shop', url: 'https://shop.example.com/spring?utm_source=mail#top' },
  { key: 'blog', url: 'https://blog.example.com/', appendToken: false },
  { key: 'help', url: 'https://help.example.com/faq?' },
];

/** An email body with a link to each of the keys, by the {{link}} helper. */
const bodyLinking = (...keys: string[]) =>
  `<p>${keys.map((k) => `<a href="{{link '${k}'}}">${k}</a>`).join(' ')}</p>`;

const ALL_LINKS_VARIANTS = [
  {
    key: 'a',
    name: 'Plain',
    subject: 'Our spring offer',
    html: bodyLinking('shop', 'blog', 'help'),
  },
  { key: 'b', name: 'Urgent', subject: 'Last days', html: bodyLinking('shop', 'blog', 'help') },
];

/** Response headers without the ones that differ from one answer to the next. */
const withoutDate = (headers: Record<string, unknown>) => {
  const { date: _date, ...rest } = headers;
  return rest;
};

async function sentCampaign(
  links: unknown[] = LINKS,
  overrides: Record<string, unknown> = {},
  prospects = 6,
) {
  const clock = manualClock();
  const app = startApp({ clock });
  const {
    campaign,
    campaignId,
    messageIds: ids,
  } = await sendCampaign(
    app,
    { testFraction: 1, links, variants: ALL_LINKS_VARIANTS, ...overrides },
    prospects,
  );
  clock.advance(3_600_000);
  const { sqlite } = app.leadsplit.context;
  const events = (type: string) => {
    app.leadsplit.hits.flush();
    return sqlite.prepare('SELECT * FROM events WHERE type = ? ORDER BY id').all(type) as Record<
      string,
      unknown
    >[];
  };
  const http = request(app.app);
  return { ...app, clock, ids, events, http, campaign, campaignId };
}

describe('GET /t/c/:messageId/:linkKey', () => {
  it('records the click and redirects to the stored address with the conversion token', async () => {
    const { http, ids, events, leadsplit } = await sentCampaign();

    const res = await http.get(`/t/c/${ids[0]}/shop`).set('User-Agent', BROWSER).expect(302);

    const location = new URL(res.headers.location as string);
    expect(`${location.origin}${location.pathname}`).toBe('https://shop.example.com/spring');
    expect(location.searchParams.get('utm_source')).toBe('mail');
    expect(location.hash).toBe('#top');
    const token = location.searchParams.get('lsid')!;
    expect(messageIdFromToken(leadsplit.context.secret, token)).toBe(ids[0]);
    expect(res.headers['cache-control']).toContain('no-store');
    const [click] = events('clicked');
    expect(click).toMatchObject({
      message_id: ids[0],
      link_key: 'shop',
      user_agent: BROWSER,
      machine: 0,
      machine_reason: null,
    });
    expect(click!.ip_hash).toMatch(/^[A-Za-z0-9_-]{16}$/);
  });

  it('leaves the address alone for a link that opts out of the token', async () => {
    const { http, ids } = await sentCampaign();
    const res = await http.get(`/t/c/${ids[1]}/blog`).set('User-Agent', BROWSER).expect(302);
    expect(res.headers.location).toBe('https://blog.example.com/');
    const help = await http.get(`/t/c/${ids[1]}/help`).set('User-Agent', BROWSER).expect(302);
    expect(help.headers.location).toMatch(/^https:\/\/help\.example\.com\/faq\?lsid=[\w.-]+$/);
  });

  it.each([
    ['an unknown message', () => '/t/c/AAAAAAAAAAAAAAAAAAAAAA/shop'],
    ['an unknown link', (ids: string[]) => `/t/c/${ids[0]}/nope`],
    ['a malformed id', () => `/t/c/${encodeURIComponent("' OR 1=1 --")}/shop`],
    ['an overlong link key', (ids: string[]) => `/t/c/${ids[0]}/${'k'.repeat(5000)}`],
    [
      'a destination in the request',
      (ids: string[]) => `/t/c/${ids[0]}/https%3A%2F%2Fevil.example`,
    ],
  ])('answers a neutral 404 for %s, without redirecting or recording', async (_name, path) => {
    const { http, ids, events } = await sentCampaign();

    const res = await http.get(path(ids)).set('User-Agent', BROWSER).expect(404);

    expect(res.headers.location).toBeUndefined();
    expect(res.text).toContain('This link does not work');
    expect(events('clicked')).toEqual([]);
  });

  it('redirects a HEAD request without counting it', async () => {
    const { http, ids, events } = await sentCampaign();
    await http.head(`/t/c/${ids[0]}/shop`).set('User-Agent', BROWSER).expect(302);
    expect(events('clicked')).toEqual([]);
  });

  it.each(['post', 'put', 'delete', 'options', 'patch'] as const)(
    'answers %s with 405 and Allow: GET, HEAD, alike for known and unknown messages',
    async (method) => {
      const { http, ids, events } = await sentCampaign();

      const known = await http[method](`/t/c/${ids[0]}/shop`).set('User-Agent', BROWSER);
      const unknown = await http[method]('/t/c/AAAAAAAAAAAAAAAAAAAAAA/shop');

      expect(known.status).toBe(405);
      expect(known.headers.allow).toBe('GET, HEAD');
      expect(known.headers.location).toBeUndefined();
      expect(known.body).toEqual({
        error: { code: 'method_not_allowed', message: 'Tracking links answer GET and HEAD only.' },
      });
      expect(unknown.status).toBe(405);
      expect(withoutDate(unknown.headers)).toEqual(withoutDate(known.headers));
      expect(unknown.text).toBe(known.text);
      expect(events('clicked')).toEqual([]);
    },
  );

  it('flags a scanner’s sweep of every link, and counts the person clicking seconds later', async () => {
    const { http, ids, events, clock } = await sentCampaign();
    for (const link of ['shop', 'blog', 'help']) {
      await http.get(`/t/c/${ids[2]}/${link}`).set('User-Agent', BROWSER).expect(302);
      clock.advance(100);
    }
    clock.advance(3_000);

    await http.get(`/t/c/${ids[2]}/shop`).set('User-Agent', BROWSER).expect(302);

    expect(events('clicked').map((e) => [e.link_key, e.machine_reason])).toEqual([
      ['shop', 'every link clicked within a second'],
      ['blog', 'every link clicked within a second'],
      ['help', 'every link clicked within a second'],
      ['shop', null],
    ]);
  });

  it('sweeps also when the click completing the set is flagged for its user agent', async () => {
    const { http, ids, events, clock } = await sentCampaign();
    await http.get(`/t/c/${ids[0]}/shop`).set('User-Agent', BROWSER).expect(302);
    clock.advance(300);
    await http.get(`/t/c/${ids[0]}/blog`).set('User-Agent', BROWSER).expect(302);
    clock.advance(300);
    await http.get(`/t/c/${ids[0]}/help`).set('User-Agent', 'Mimecast-Url-Protect/1.0');

    expect(events('clicked').map((e) => [e.link_key, e.machine_reason])).toEqual([
      ['shop', 'every link clicked within a second'],
      ['blog', 'every link clicked within a second'],
      ['help', 'email security scanner'],
    ]);
  });

  it('judges a sweep by the links in the variant’s email, not all the campaign’s', async () => {
    const variants = [
      // The blog anchor is written as the address was typed; it is stored with a trailing /.
      {
        key: 'a',
        name: 'Two links',
        subject: 'Spring',
        html: `${bodyLinking('shop')} <a href="https://blog.example.com">Blog</a>`,
      },
      {
        key: 'b',
        name: 'Three links',
        subject: 'Spring',
        html: bodyLinking('shop', 'blog', 'help'),
      },
    ];
    const { http, events, clock, leadsplit } = await sentCampaign(LINKS, { variants }, 30);
    const messageOf = (variant: string) =>
      leadsplit.context.sqlite
        .prepare(
          `SELECT m.id FROM messages m JOIN variants v ON v.id = m.variant_id
            WHERE v.key = ? ORDER BY m.id LIMIT 1`,
        )
        .pluck()
        .get(variant) as string;
    const [twoLinks, threeLinks] = [messageOf('a'), messageOf('b')];

    for (const id of [twoLinks, threeLinks]) {
      await http.get(`/t/c/${id}/shop`).set('User-Agent', BROWSER).expect(302);
      clock.advance(200);
      await http.get(`/t/c/${id}/blog`).set('User-Agent', BROWSER).expect(302);
      clock.advance(60_000);
    }
    // A link of the campaign that is not in the email still leads where it is stored to.
    const help = await http.get(`/t/c/${twoLinks}/help`).set('User-Agent', BROWSER).expect(302);

    expect(help.headers.location).toMatch(/^https:\/\/help\.example\.com\/faq\?lsid=/);
    expect(events('clicked').map((e) => [e.message_id, e.link_key, e.machine_reason])).toEqual([
      [twoLinks, 'shop', 'every link clicked within a second'],
      [twoLinks, 'blog', 'every link clicked within a second'],
      [threeLinks, 'shop', null],
      [threeLinks, 'blog', null],
      [twoLinks, 'help', null],
    ]);
  });

  it('keeps one entry per message for a flood of clicks, and forgets it after the window', async () => {
    const { http, ids, events, clock, leadsplit } = await sentCampaign();
    for (let round = 0; round < 40; round++) {
      for (const link of ['shop', 'blog', 'help']) {
        await http.get(`/t/c/${ids[0]}/${link}`).set('User-Agent', BROWSER).expect(302);
      }
      clock.advance(10);
    }

    expect(leadsplit.hits.rememberedMessages).toBe(1);
    const clicks = events('clicked');
    expect(clicks).toHaveLength(120);
    expect(clicks.every((c) => c.machine_reason === 'every link clicked within a second')).toBe(
      true,
    );

    clock.advance(1_001);
    await vi.waitFor(() => expect(leadsplit.hits.rememberedMessages).toBe(0), {
      timeout: 20 * FLUSH_INTERVAL_MS,
    });
  });

  it('flags a click seconds after sending and a scanner’s user agent', async () => {
    const clock = manualClock();
    const app = startApp({ clock });
    const { body } = await app.api.post('/api/campaigns').send(campaignBody({ testFraction: 1 }));
    await app.api.post(`/api/campaigns/${body.id}/prospects`).type('text/csv').send(prospectCsv(2));
    await app.api.post(`/api/campaigns/${body.id}/launch`).expect(200);
    await app.leadsplit.worker.drain();
    const ids = app.leadsplit.context.sqlite.prepare('SELECT id FROM messages').pluck().all();
    clock.advance(1_500);

    await request(app.app).get(`/t/c/${ids[0]}/shop`).set('User-Agent', BROWSER).expect(302);
    clock.advance(60_000);
    await request(app.app).get(`/t/c/${ids[1]}/shop`).set('User-Agent', 'Mimecast').expect(302);
    app.leadsplit.hits.flush();

    const reasons = app.leadsplit.context.sqlite
      .prepare('SELECT machine_reason FROM events ORDER BY id')
      .pluck()
      .all();
    expect(reasons).toEqual(['clicked within seconds of delivery', 'email security scanner']);
  });
  it('times the seconds-after-delivery rule from the delivery the provider reported', async () => {
    const { ids, clock, http, events, leadsplit } = await sentCampaign();
    // Sent an hour ago; one email was held by the receiving server until now.
    recordSendgridEvents(leadsplit.context, [
      {
        sg_event_id: 'delivered-late',
        event: 'delivered',
        timestamp: Math.floor(clock().getTime() / 1000),
        message_id: ids[0],
      },
    ]);
    clock.advance(2_000);

    await http.get(`/t/c/${ids[0]}/shop`).set('User-Agent', BROWSER).expect(302);
    await http.get(`/t/c/${ids[1]}/shop`).set('User-Agent', BROWSER).expect(302);
    clock.advance(10_000);
    await http.get(`/t/c/${ids[0]}/blog`).set('User-Agent', BROWSER).expect(302);

    expect(events('clicked').map((e) => [e.message_id, e.machine_reason])).toEqual([
      [ids[0], 'clicked within seconds of delivery'],
      [ids[1], null],
      [ids[0], null],
    ]);
  });
});

describe('GET /t/o/:messageId.gif', () => {
  it('answers a 1×1 GIF that is never cached and records the open', async () => {
    const { http, ids, events } = await sentCampaign();

    const res = await http.get(`/t/o/${ids[0]}.gif`).set('User-Agent', BROWSER).expect(200);

    expect(res.headers['content-type']).toBe('image/gif');
    expect(Buffer.compare(res.body as Buffer, PIXEL)).toBe(0);
    expect(res.headers['cache-control']).toContain('no-store');
    expect(events('opened')).toMatchObject([{ message_id: ids[0], machine: 0 }]);
  });

  it('flags an Apple Mail Privacy Protection open', async () => {
    const { http, ids, events } = await sentCampaign();
    await http.get(`/t/o/${ids[0]}.gif`).set('User-Agent', 'Mozilla/5.0').expect(200);
    expect(events('opened')).toMatchObject([
      { machine: 1, machine_reason: 'Apple Mail Privacy Protection' },
    ]);
  });

  it.each([
    ['an unknown message', '/t/o/AAAAAAAAAAAAAAAAAAAAAA.gif'],
    ['a malformed id', `/t/o/${encodeURIComponent("' OR 1=1 --")}.gif`],
    ['a badly percent-encoded id', '/t/o/%E0%A4%A.gif'],
  ])('answers %s exactly as a known one, and records nothing', async (_name, path) => {
    const { http, ids, events } = await sentCampaign();
    const known = await http.head(`/t/o/${ids[0]}.gif`).set('User-Agent', BROWSER).expect(200);

    const res = await http.get(path).set('User-Agent', BROWSER);

    expect(res.status).toBe(200);
    expect(withoutDate(res.headers)).toEqual(withoutDate(known.headers));
    expect(Buffer.compare(res.body as Buffer, PIXEL)).toBe(0);
    expect(events('opened')).toEqual([]);
  });

  it('answers HEAD like GET, without the body, and records nothing', async () => {
    const { http, ids, events } = await sentCampaign();

    const head = await http.head(`/t/o/${ids[0]}.gif`).set('User-Agent', BROWSER).expect(200);
    const get = await http.get(`/t/o/${ids[1]}.gif`).set('User-Agent', BROWSER).expect(200);

    expect(withoutDate(head.headers)).toEqual(withoutDate(get.headers));
    expect(head.headers['content-length']).toBe(String(PIXEL.length));
    expect(head.text ?? '').toBe('');
    expect(events('opened')).toMatchObject([{ message_id: ids[1] }]);
  });

  it.each(['post', 'put', 'delete', 'options'] as const)(
    'answers %s with 405 and Allow: GET, HEAD, alike for known and unknown messages',
    async (method) => {
      const { http, ids, events } = await sentCampaign();

      const known = await http[method](`/t/o/${ids[0]}.gif`).set('User-Agent', BROWSER);
      const unknown = await http[method]('/t/o/AAAAAAAAAAAAAAAAAAAAAA.gif');

      expect(known.status).toBe(405);
      expect(known.headers.allow).toBe('GET, HEAD');
      expect(known.body).toEqual({
        error: { code: 'method_not_allowed', message: 'Tracking links answer GET and HEAD only.' },
      });
      expect(unknown.status).toBe(405);
      expect(withoutDate(unknown.headers)).toEqual(withoutDate(known.headers));
      expect(unknown.text).toBe(known.text);
      expect(events('opened')).toEqual([]);
    },
  );

  it('takes an Outlook for Windows open for a person', async () => {
    const { http, ids, events } = await sentCampaign();
    await http
      .get(`/t/o/${ids[0]}.gif`)
      .set('User-Agent', 'Mozilla/4.0 (compatible; ms-office; MSOffice 16)')
      .expect(200);
    expect(events('opened')).toMatchObject([{ machine: 0, machine_reason: null }]);
  });
});

describe('link addresses', () => {
  const unusual = [
    { key: 'japan', url: 'https://例え.jp/日本' },
    { key: 'umlaut', url: 'https://a.com/über?q=grün#größe' },
    { key: 'plain', url: 'https://shop.example.com', appendToken: false },
  ];

  it('stores the canonical address and redirects to it in plain ASCII', async () => {
    // Anchors may spell the addresses as they were typed: they still name the stored links.
    const asTyped = unusual.map((l) => `<a href="${l.url}">${l.key}</a>`).join(' ');
    const variants = [
      { key: 'a', name: 'As typed', subject: 'Spring', html: `<p>${asTyped}</p>` },
      {
        key: 'b',
        name: 'By key',
        subject: 'Spring',
        html: bodyLinking('japan', 'umlaut', 'plain'),
      },
    ];
    const { http, ids, campaign, leadsplit, events } = await sentCampaign(unusual, { variants });

    expect((campaign.links as { url: string }[]).map((l) => l.url)).toEqual([
      'https://xn--r8jz45g.jp/%E6%97%A5%E6%9C%AC',
      'https://a.com/%C3%BCber?q=gr%C3%BCn#gr%C3%B6%C3%9Fe',
      'https://shop.example.com/',
    ]);
    const stored = leadsplit.context.sqlite.prepare('SELECT url FROM links ORDER BY id').pluck();
    expect(stored.all()).toEqual((campaign.links as { url: string }[]).map((l) => l.url));
    const japan = await http.get(`/t/c/${ids[0]}/japan`).set('User-Agent', BROWSER).expect(302);
    expect(japan.headers.location).toMatch(
      /^https:\/\/xn--r8jz45g\.jp\/%E6%97%A5%E6%9C%AC\?lsid=[\w.-]+$/,
    );
    const umlaut = await http.get(`/t/c/${ids[0]}/umlaut`).set('User-Agent', BROWSER).expect(302);
    expect(umlaut.headers.location).toMatch(
      /^https:\/\/a\.com\/%C3%BCber\?q=gr%C3%BCn&lsid=[\w.-]+#gr%C3%B6%C3%9Fe$/,
    );
    const plain = await http.get(`/t/c/${ids[0]}/plain`).set('User-Agent', BROWSER).expect(302);
    expect(plain.headers.location).toBe('https://shop.example.com/');
    expect(events('clicked')).toHaveLength(3);
  });

  it.each([
    ['a line break', 'https://a.com/x\r\nSet-Cookie: session=stolen'],
    ['a space', 'https://a.com/summer sale'],
    ['a tab', 'https://a.com/x\ty'],
    ['a no-break space', 'https://a.com/x\u00a0y'],
  ])('refuses an address with %s, saying how to write it, and stores nothing', async (_n, url) => {
    const app = startApp();
    const before = tableCounts(app.leadsplit);

    const res = await app.api
      .post('/api/campaigns')
      .send(campaignBody({ links: [{ key: 'shop', url }] }))
      .expect(400);

    expect(res.body.error.message).toBe(
      'links.0.url: must not contain spaces, line breaks or other control characters;' +
        ' percent-encode them (a space is %20)',
    );
    expect(tableCounts(app.leadsplit)).toEqual(before);
  });

  it('redirects an address stored as typed by an older version in its canonical form', async () => {
    const { http, ids, leadsplit, events } = await sentCampaign();
    const setUrl = leadsplit.context.sqlite.prepare('UPDATE links SET url = ? WHERE key = ?');
    setUrl.run('https://例え.jp/日本', 'blog');
    setUrl.run('https://a.com/x\r\nSet-Cookie: a=b', 'shop');
    setUrl.run('not an address', 'help');

    const blog = await http.get(`/t/c/${ids[0]}/blog`).set('User-Agent', BROWSER).expect(302);
    const shop = await http.get(`/t/c/${ids[0]}/shop`).set('User-Agent', BROWSER).expect(302);
    await http.get(`/t/c/${ids[0]}/help`).set('User-Agent', BROWSER).expect(404);

    expect(blog.headers.location).toBe('https://xn--r8jz45g.jp/%E6%97%A5%E6%9C%AC');
    // What a browser makes of it too: the line break is dropped, the space encoded.
    expect(shop.headers.location).toMatch(/^https:\/\/a\.com\/xSet-Cookie:%20a=b\?lsid=/);
    expect(shop.headers['set-cookie']).toBeUndefined();
    expect(events('clicked').map((e) => e.link_key)).toEqual(['blog', 'shop']);
  });
});

describe('the hit buffer', () => {
  it('writes buffered hits on close', async () => {
    const { http, ids, leadsplit, dbFile } = await sentCampaign();
    await http.get(`/t/c/${ids[0]}/shop`).set('User-Agent', BROWSER).expect(302);

    await leadsplit.close();

    const { default: Database } = await import('better-sqlite3');
    const db = new Database(dbFile, { readonly: true });
    expect(db.prepare(`SELECT count(*) FROM events WHERE type = 'clicked'`).pluck().get()).toBe(1);
    db.close();
  });
});
