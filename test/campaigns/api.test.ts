import { describe, expect, it } from 'vitest';
import { campaignBody, prospectCsv, startApp } from '../helpers';

describe('POST /api/campaigns', () => {
  it('stores a campaign and answers it with ids, defaults and the control', async () => {
    const { api } = startApp();

    const res = await api.post('/api/campaigns').send(campaignBody()).expect(201);

    expect(res.headers.location).toBe(`/api/campaigns/${res.body.id}`);
    expect(res.body).toMatchObject({
      name: 'Spring offer',
      goal: 'purchase',
      status: 'draft',
      testFraction: 0.5,
      confidence: 0.95,
      minimumDetectableEffect: 0.01,
      prospects: 0,
      remainder: 0,
    });
    expect(res.body.variants.map((v: { control: boolean }) => v.control)).toEqual([true, false]);
    expect(res.body.variants.every((v: { id: unknown }) => Number.isInteger(v.id))).toBe(true);
    expect(res.body.links[0]).toMatchObject({
      key: 'shop',
      url: 'https://shop.example.com/spring',
      trackingUrl: 'http://leadsplit.test/t/c/{messageId}/shop',
    });
  });

  it('keeps the variant marked as control', async () => {
    const { api } = startApp();
    const body = campaignBody();
    body.variants[1] = { ...body.variants[1]!, control: true } as (typeof body.variants)[0];

    const res = await api.post('/api/campaigns').send(body).expect(201);

    expect(res.body.variants.map((v: { control: boolean }) => v.control)).toEqual([false, true]);
  });

  const variant = (key: string, extra: object = {}) => ({
    key,
    name: key,
    subject: `Subject ${key}`,
    ...extra,
  });

  it.each([
    ['one variant', { variants: [variant('a')] }, 'variants'],
    ['nine variants', { variants: 'abcdefghi'.split('').map((k) => variant(k)) }, 'variants'],
    ['duplicate keys', { variants: [variant('a'), variant('A')] }, 'unique'],
    ['a zero weight', { variants: [variant('a', { weight: 0 }), variant('b')] }, 'weight'],
    [
      'two controls',
      { variants: [variant('a', { control: true }), variant('b', { control: true })] },
      'control',
    ],
    ['a zero test fraction', { testFraction: 0 }, 'testFraction'],
    ['a test fraction over 1', { testFraction: 1.5 }, 'testFraction'],
    ['confidence 0.8', { confidence: 0.8 }, 'confidence'],
    ['a relative link', { links: [{ key: 'x', url: '/shop' }] }, 'url'],
    ['a javascript link', { links: [{ key: 'x', url: 'javascript:alert(1)' }] }, 'url'],
    ['an ftp link', { links: [{ key: 'x', url: 'ftp://files.example.com/a' }] }, 'url'],
    ['an unknown field', { colour: 'red' }, 'colour'],
  ])('refuses %s with 400 naming the problem', async (_name, override, mention) => {
    const { api } = startApp();

    const res = await api.post('/api/campaigns').send(campaignBody(override)).expect(400);

    expect(res.body.error.code).toBe('invalid_input');
    expect(JSON.stringify(res.body.error)).toContain(mention);
    expect((await api.get('/api/campaigns').expect(200)).body.campaigns).toEqual([]);
  });

  it('takes a test fraction of exactly 1 (no remainder)', async () => {
    const { api } = startApp();
    await api
      .post('/api/campaigns')
      .send(campaignBody({ testFraction: 1 }))
      .expect(201);
  });
});

describe('GET /api/campaigns', () => {
  it('lists campaigns newest first', async () => {
    const { api } = startApp();
    await api
      .post('/api/campaigns')
      .send(campaignBody({ name: 'First' }))
      .expect(201);
    await api
      .post('/api/campaigns')
      .send(campaignBody({ name: 'Second' }))
      .expect(201);

    const res = await api.get('/api/campaigns').expect(200);

    expect(res.body.campaigns.map((c: { name: string }) => c.name)).toEqual(['Second', 'First']);
  });

  it('answers 404 for an unknown campaign', async () => {
    const { api } = startApp();
    const res = await api.get('/api/campaigns/999').expect(404);
    expect(res.body.error).toEqual({ code: 'not_found', message: 'Campaign 999 was not found.' });
  });
});

describe('PATCH /api/campaigns/:id', () => {
  it('edits a draft, replacing the variants when given', async () => {
    const { api } = startApp();
    const { body: created } = await api.post('/api/campaigns').send(campaignBody()).expect(201);

    const res = await api
      .patch(`/api/campaigns/${created.id}`)
      .send({
        name: 'Renamed',
        variants: [
          { key: 'x', name: 'X', subject: 'x' },
          { key: 'y', name: 'Y', subject: 'y', control: true, weight: 3 },
          { key: 'z', name: 'Z', subject: 'z' },
        ],
      })
      .expect(200);

    expect(res.body.name).toBe('Renamed');
    expect(res.body.goal).toBe('purchase');
    expect(res.body.links).toHaveLength(1);
    expect(res.body.variants.map((v: { key: string }) => v.key)).toEqual(['x', 'y', 'z']);
    expect(res.body.variants[1]).toMatchObject({ control: true, weight: 3 });
  });

  it('refuses edits after launch with 409 and the current status', async () => {
    const { api } = startApp();
    const { body: created } = await api.post('/api/campaigns').send(campaignBody()).expect(201);
    await api
      .post(`/api/campaigns/${created.id}/prospects`)
      .type('text/csv')
      .send(prospectCsv(20))
      .expect(200);
    await api.post(`/api/campaigns/${created.id}/launch`).expect(200);

    const res = await api.patch(`/api/campaigns/${created.id}`).send({ name: 'Late' }).expect(409);

    expect(res.body.error).toMatchObject({
      code: 'campaign_not_draft',
      details: { status: 'testing' },
    });
    const after = await api.get(`/api/campaigns/${created.id}`).expect(200);
    expect(after.body.name).toBe('Spring offer');
  });

  it('refuses an empty edit', async () => {
    const { api } = startApp();
    const { body: created } = await api.post('/api/campaigns').send(campaignBody()).expect(201);
    await api.patch(`/api/campaigns/${created.id}`).send({}).expect(400);
  });
});
