import pino from 'pino';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { conversionToken } from '../../src/tracking/token';
import { campaignBody, manualClock, prospectCsv, startApp, tableCounts } from '../helpers';

const SECRET = 'conversion-test-secret-0123456789abcdef';

/**
 * A campaign with the goal "purchase", its four prospects emailed an hour ago; the pixel is
 * reached through the whole plugin. Warnings and errors are kept in `logs`.
 */
async function sentCampaign() {
  const clock = manualClock();
  const logs: Record<string, unknown>[] = [];
  const logger = pino(
    { level: 'warn' },
    { write: (line: string) => logs.push(JSON.parse(line) as Record<string, unknown>) },
  );
  const testApp = startApp({ clock, secret: SECRET, logger });
  const { api, leadsplit } = testApp;
  const { body: campaign } = await api
    .post('/api/campaigns')
    .send(campaignBody({ testFraction: 1 }))
    .expect(201);
  await api.post(`/api/campaigns/${campaign.id}/prospects`).type('text/csv').send(prospectCsv(4));
  await api.post(`/api/campaigns/${campaign.id}/launch`).expect(200);
  await leadsplit.worker.drain();
  clock.advance(3_600_000);

  const { sqlite } = leadsplit.context;
  return {
    ...testApp,
    clock,
    logs,
    campaignId: campaign.id as number,
    messages: sqlite
      .prepare(
        `SELECT id, prospect_id AS prospectId, variant_id AS variantId FROM messages
          WHERE status = 'sent' ORDER BY prospect_id`,
      )
      .all() as { id: string; prospectId: number; variantId: number }[],
    conversions: () => sqlite.prepare('SELECT * FROM conversions').all(),
    receipts: () => sqlite.prepare('SELECT * FROM conversion_receipts').all(),
  };
}

type Setup = Awaited<ReturnType<typeof sentCampaign>>;

const gif = (setup: Setup, path: string) =>
  request(setup.app)
    .get(path)
    .buffer(true)
    .parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => done(null, Buffer.concat(chunks)));
    });

/** Everything a page's visitor could tell one answer from another by. */
const shape = (res: request.Response) => ({
  status: res.status,
  body: (res.body as Buffer).toString('base64'),
  type: res.headers['content-type'],
  length: res.headers['content-length'],
  cache: res.headers['cache-control'],
  pragma: res.headers.pragma,
  expires: res.headers.expires,
  etag: res.headers.etag,
});

describe('GET /t/x/:token.gif', () => {
  it('records the campaign’s goal once however often the thank-you page reloads', async () => {
    const setup = await sentCampaign();
    const message = setup.messages[2]!;
    const path = `/t/x/${conversionToken(SECRET, message.id)}.gif`;

    const first = await gif(setup, `${path}?value=20&currency=EUR`);
    await gif(setup, `${path}?value=20&currency=EUR`);
    await gif(setup, `${path}?goal=purchase&value=20&currency=EUR&cb=123`);

    expect(first.status).toBe(200);
    expect(first.headers['content-type']).toBe('image/gif');
    expect(first.headers['cache-control']).toMatch(/no-store/);
    expect((first.body as Buffer).subarray(0, 6).toString()).toBe('GIF89a');
    expect(setup.conversions()).toEqual([
      {
        id: expect.any(Number),
        campaign_id: setup.campaignId,
        variant_id: message.variantId,
        prospect_id: message.prospectId,
        goal: 'purchase',
        value: 20,
        currency: 'EUR',
        occurred_at: setup.clock().getTime(),
        source: 'pixel',
        phase: 'test',
      },
    ]);
    expect(setup.receipts()).toMatchObject([{ source: 'pixel', attributed: 1 }]);
  });

  it('answers a bad token or goal with the same GIF as a good one, recording nothing', async () => {
    const setup = await sentCampaign();
    const good = conversionToken(SECRET, setup.messages[0]!.id);
    const reference = shape(await gif(setup, `/t/x/${good}.gif`));
    expect(setup.conversions()).toHaveLength(1);
    const before = tableCounts(setup.leadsplit);

    const paths = [
      `/t/x/${conversionToken('another-secret', setup.messages[1]!.id)}.gif`,
      `/t/x/${conversionToken(SECRET, 'AAAAAAAAAAAAAAAAAAAAAA')}.gif`,
      '/t/x/%3Cscript%3E.gif',
      '/t/x/%E0%A4%A.gif',
      `/t/x/${'x'.repeat(2000)}.gif`,
      `/t/x/${conversionToken(SECRET, setup.messages[1]!.id)}.gif?goal=no%20such%20goal`,
      `/t/x/${conversionToken(SECRET, setup.messages[1]!.id)}.gif?goal=a&goal=b`,
      `/t/x/${conversionToken(SECRET, setup.messages[1]!.id)}.gif?goal=signup`,
    ];
    for (const path of paths) {
      expect(shape(await gif(setup, path)), path).toEqual(reference);
    }

    expect(reference.etag).toBeUndefined();
    expect(tableCounts(setup.leadsplit)).toEqual(before);
  });

  it('records nothing for a HEAD request', async () => {
    const setup = await sentCampaign();
    const token = conversionToken(SECRET, setup.messages[0]!.id);

    await request(setup.app).head(`/t/x/${token}.gif`).expect(200);

    expect(setup.conversions()).toEqual([]);
  });

  const unreadable: [string, string, { value: number | null; currency: string | null }][] = [
    ['a value with a decimal comma', 'value=49,90&currency=EUR', { value: null, currency: null }],
    ['a value given twice', 'value=1&value=2&currency=EUR', { value: null, currency: null }],
    ['a currency that names none', 'value=49.90&currency=ABC', { value: null, currency: null }],
    ['a currency in small letters', 'value=49.90&currency=eur', { value: 49.9, currency: 'EUR' }],
  ];
  it.each(unreadable)(
    'records the conversion for %s, leaving out what it cannot read',
    async (_name, query, stored) => {
      const setup = await sentCampaign();
      const message = setup.messages[1]!;
      const reference = shape(await gif(setup, '/t/x/not-a-token.gif'));

      const res = await gif(setup, `/t/x/${conversionToken(SECRET, message.id)}.gif?${query}`);

      expect(shape(res)).toEqual(reference);
      expect(setup.conversions()).toMatchObject([
        { prospect_id: message.prospectId, goal: 'purchase', source: 'pixel', ...stored },
      ]);
    },
  );

  it('logs what it left out of a recorded conversion, as fields', async () => {
    const setup = await sentCampaign();
    const token = conversionToken(SECRET, setup.messages[1]!.id);

    await gif(setup, `/t/x/${token}.gif?value=49,90&currency=EUR`);
    await gif(setup, '/t/x/not-a-token.gif?value=49,90');

    expect(setup.logs).toEqual([
      expect.objectContaining({
        level: 40,
        unreadable: { value: '49,90' },
        outcome: 'recorded',
        msg: expect.stringMatching(/without the value/),
      }),
    ]);
  });
});
