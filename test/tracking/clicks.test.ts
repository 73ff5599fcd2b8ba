import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { messageIdFromToken } from '../../src/tracking/token';
import { PIXEL } from '../../src/http/tracking-router';
import { campaignBody, manualClock, prospectCsv, sendCampaign, startApp } from '../helpers';

const BROWSER =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0';

async function sentCampaign(
  links = [
    { key: 'shop', url: 'https://shop.example.com/spring?utm_source=mail#top' },
    { key: 'blog', url: 'https://blog.example.com/', appendToken: false },
    { key: 'help', url: 'https://help.example.com/faq?' },
  ],
) {
  const clock = manualClock();
  const app = startApp({ clock });
  const { campaignId, messageIds: ids } = await sendCampaign(app, { testFraction: 1, links });
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
  return { ...app, clock, ids, events, http, campaignId };
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

  it('refuses methods other than GET and HEAD', async () => {
    const { http, ids, events } = await sentCampaign();
    const res = await http.post(`/t/c/${ids[0]}/shop`);
    expect(res.status).toBe(404);
    expect(events('clicked')).toEqual([]);
  });

  it('flags a scanner’s sweep of every link, and still counts the person who clicks later', async () => {
    const { http, ids, events, clock } = await sentCampaign();
    for (const link of ['shop', 'blog', 'help']) {
      await http.get(`/t/c/${ids[2]}/${link}`).set('User-Agent', BROWSER).expect(302);
      clock.advance(100);
    }
    clock.advance(120_000);

    await http.get(`/t/c/${ids[2]}/shop`).set('User-Agent', BROWSER).expect(302);

    expect(events('clicked').map((e) => [e.link_key, e.machine_reason])).toEqual([
      ['shop', 'every link clicked within a second'],
      ['blog', 'every link clicked within a second'],
      ['help', 'every link clicked within a second'],
      ['shop', null],
    ]);
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

  it('answers the same GIF for an unknown message and records nothing', async () => {
    const { http, events } = await sentCampaign();
    const res = await http.get('/t/o/AAAAAAAAAAAAAAAAAAAAAA.gif').expect(200);
    expect(Buffer.compare(res.body as Buffer, PIXEL)).toBe(0);
    expect(events('opened')).toEqual([]);
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
