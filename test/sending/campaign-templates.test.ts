import { describe, expect, it } from 'vitest';
import { campaignBody, prospectCsv, startApp } from '../helpers';

describe('campaign creation with email content', () => {
  it('refuses a variant whose template links outside the campaign, with the line', async () => {
    const { api } = startApp();
    const body = campaignBody({
      variants: [
        {
          key: 'a',
          name: 'A',
          subject: 's',
          html: '<p>Hi</p>\n<a href="https://evil.example">x</a>',
        },
        { key: 'b', name: 'B', subject: 's' },
      ],
    });

    const res = await api.post('/api/campaigns').send(body).expect(400);

    expect(res.body.error).toMatchObject({
      code: 'invalid_template',
      details: { variant: 'a', line: 2 },
    });
    expect((await api.get('/api/campaigns')).body.campaigns).toEqual([]);
  });

  it('refuses a template that does not compile, with line and column', async () => {
    const { api } = startApp();
    const body = campaignBody({
      variants: [
        { key: 'a', name: 'A', subject: 's' },
        { key: 'b', name: 'B', subject: 's', html: '<p>\n{{#each x}}{{/if}}' },
      ],
    });

    const res = await api.post('/api/campaigns').send(body).expect(400);

    expect(res.body.error.details).toMatchObject({ variant: 'b', line: 2, column: 4 });
  });

  it('refuses an edit that breaks a template, and keeps the campaign as it was', async () => {
    const { api } = startApp();
    const { body: created } = await api.post('/api/campaigns').send(campaignBody()).expect(201);

    await api.patch(`/api/campaigns/${created.id}`).send({ links: [] }).expect(400);

    const after = await api.get(`/api/campaigns/${created.id}`).expect(200);
    expect(after.body.links).toHaveLength(1);
  });
});

describe('GET /api/campaigns/:id/variants/:key/preview', () => {
  it('renders a variant for a prospect on the list, or for a sample prospect', async () => {
    const { api } = startApp();
    const { body: created } = await api
      .post('/api/campaigns')
      .send(campaignBody({ postalAddress: '9 Quay Street, Bristol' }))
      .expect(201);
    await api
      .post(`/api/campaigns/${created.id}/prospects`)
      .type('text/csv')
      .send('email,first_name\nzoe@example.com,Zoë\n');

    const zoe = await api
      .get(`/api/campaigns/${created.id}/variants/b/preview?email=ZOE@example.com&format=json`)
      .expect(200);
    const sample = await api.get(`/api/campaigns/${created.id}/variants/a/preview`).expect(200);

    expect(zoe.body.to).toBe('zoe@example.com');
    expect(zoe.body.html).toContain('Hi Zoë');
    expect(zoe.body.html).toContain('9 Quay Street, Bristol');
    expect(sample.headers['content-type']).toMatch(/text\/html/);
    expect(sample.text).toContain('Hi Alex');
    await api.get(`/api/campaigns/${created.id}/variants/zz/preview`).expect(404);
  });
});

describe('POST /api/campaigns/:id/unknown-messages', () => {
  it('refuses an action other than resend or sent', async () => {
    const { api } = startApp();
    const { body: created } = await api.post('/api/campaigns').send(campaignBody()).expect(201);
    await api.post(`/api/campaigns/${created.id}/prospects`).type('text/csv').send(prospectCsv(5));
    await api
      .post(`/api/campaigns/${created.id}/unknown-messages`)
      .send({ action: 'x' })
      .expect(400);
  });
});
