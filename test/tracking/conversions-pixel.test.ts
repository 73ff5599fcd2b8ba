import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { conversionPostbackRouter } from '../../src/http/conversions-router';
import { conversionToken } from '../../src/tracking/token';
import { campaignBody, manualClock, prospectCsv, startApp, tableCounts } from '../helpers';

const SECRET = 'conversion-test-secret-0123456789abcdef';

/** A campaign with the goal "purchase", its four prospects emailed an hour ago. */
async function sentCampaign() {
  const clock = manualClock();
  const testApp = startApp({ clock, secret: SECRET });
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
  const app = express().use('/t', conversionPostbackRouter(leadsplit.context));
  return {
    ...testApp,
    clock,
    app,
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

  it('answers a bad token, goal or value with the same GIF as a good one, recording nothing', async () => {
    const setup = await sentCampaign();
    const good = conversionToken(SECRET, setup.messages[0]!.id);
    const reference = shape(await gif(setup, `/t/x/${good}.gif`));
    expect(setup.conversions()).toHaveLength(1);
    const before = tableCounts(setup.leadsplit);

    const paths = [
      `/t/x/${conversionToken('another-secret', setup.messages[1]!.id)}.gif`,
      `/t/x/${conversionToken(SECRET, 'AAAAAAAAAAAAAAAAAAAAAA')}.gif`,
      '/t/x/%3Cscript%3E.gif',
      `/t/x/${conversionToken(SECRET, setup.messages[1]!.id)}.gif?goal=no%20such%20goal`,
      `/t/x/${conversionToken(SECRET, setup.messages[1]!.id)}.gif?value=lots`,
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
});
