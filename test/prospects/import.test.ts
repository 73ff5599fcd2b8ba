import { describe, expect, it } from 'vitest';
import { campaignBody, prospectCsv, startApp, tableCounts } from '../helpers';

async function draftCampaign(options: Parameters<typeof startApp>[0] = {}) {
  const app = startApp(options);
  const { body } = await app.api.post('/api/campaigns').send(campaignBody()).expect(201);
  return { ...app, id: body.id as number, path: `/api/campaigns/${body.id}/prospects` };
}

describe('POST /api/campaigns/:id/prospects as CSV', () => {
  it('imports rows, keeps extra columns as attributes and lowercases emails', async () => {
    const { api, path, leadsplit } = await draftCampaign();
    const csv =
      'Email,First Name,last_name,external_id,source,plan\n' +
      '  Ann@Example.COM ,Ann,Lee,crm-1,webinar,gold\n' +
      'bo@example.com,Bo,,,,\n';

    const res = await api.post(path).type('text/csv').send(csv).expect(200);

    expect(res.body).toEqual({
      imported: 2,
      duplicates: 0,
      suppressed: 0,
      rejected: [],
      rejectedCount: 0,
    });
    const ann = leadsplit.context.sqlite
      .prepare('SELECT * FROM prospects WHERE email = ?')
      .get('ann@example.com');
    expect(ann).toMatchObject({
      first_name: 'Ann',
      last_name: 'Lee',
      external_id: 'crm-1',
      source: 'webinar',
      attributes: '{"plan":"gold"}',
    });
  });

  it('merges duplicates within the upload and against known prospects', async () => {
    const { api, path, leadsplit } = await draftCampaign();
    await api.post(path).type('text/csv').send('email\nann@example.com\n').expect(200);

    const res = await api
      .post(path)
      .type('text/csv')
      .send('email,first_name\nANN@example.com,Ann\nbo@example.com,Bo\nbo@example.com,Bob\n')
      .expect(200);

    expect(res.body).toMatchObject({ imported: 1, duplicates: 2 });
    const rows = leadsplit.context.sqlite
      .prepare('SELECT email, first_name FROM prospects ORDER BY email')
      .all();
    expect(rows).toEqual([
      { email: 'ann@example.com', first_name: 'Ann' },
      { email: 'bo@example.com', first_name: 'Bo' },
    ]);
  });

  it('adds a prospect known from another campaign to this list without doubling it', async () => {
    const { api, path, leadsplit } = await draftCampaign();
    const { body: other } = await api.post('/api/campaigns').send(campaignBody()).expect(201);
    await api.post(path).type('text/csv').send('email\nann@example.com\n').expect(200);

    const res = await api
      .post(`/api/campaigns/${other.id}/prospects`)
      .type('text/csv')
      .send('email\nann@example.com\n')
      .expect(200);

    expect(res.body).toMatchObject({ imported: 1, duplicates: 0 });
    expect(tableCounts(leadsplit)).toMatchObject({ prospects: 1, campaign_prospects: 2 });
  });

  it('lists each bad row with its number and reason, and imports the rest', async () => {
    const { api, path } = await draftCampaign();
    const csv = [
      'email,first_name',
      'good@example.com,Good',
      ',No email',
      'not-an-email,Bad',
      `long@example.com,${'x'.repeat(1200)}`,
      'extra@example.com,Extra,column',
    ].join('\n');

    const res = await api.post(path).type('text/csv').send(csv).expect(200);

    expect(res.body.imported).toBe(1);
    expect(res.body.rejectedCount).toBe(4);
    expect(res.body.rejected).toEqual([
      { row: 3, reason: 'missing email' },
      { row: 4, reason: 'invalid email: "not-an-email"' },
      { row: 5, reason: expect.stringContaining('row too long') },
      { row: 6, reason: 'row has 3 columns but the header has 2' },
    ]);
  });

  it('counts unsubscribed and bounced prospects as suppressed and never enrolls them', async () => {
    const { api, path, leadsplit, id } = await draftCampaign();
    await api.post(path).type('text/csv').send(prospectCsv(30)).expect(200);
    const { sqlite } = leadsplit.context;
    sqlite
      .prepare(`UPDATE prospects SET status = 'unsubscribed' WHERE email = ?`)
      .run('user1@example.com');
    sqlite
      .prepare(`UPDATE prospects SET status = 'bounced' WHERE email = ?`)
      .run('user2@example.com');
    const { body: second } = await api.post('/api/campaigns').send(campaignBody()).expect(201);

    const res = await api
      .post(`/api/campaigns/${second.id}/prospects`)
      .type('text/csv')
      .send(prospectCsv(30))
      .expect(200);
    await api.post(`/api/campaigns/${id}/launch`).expect(200);

    expect(res.body).toMatchObject({ imported: 28, suppressed: 2 });
    const enrolled = sqlite
      .prepare(
        `SELECT count(*) FROM enrollments e JOIN prospects p ON p.id = e.prospect_id
          WHERE e.campaign_id = ? AND p.status != 'active'`,
      )
      .pluck()
      .get(id);
    expect(enrolled).toBe(0);
  });

  it.each([
    ['a file with no email column', 'name,phone\nAnn,123\n', 'no "email" column'],
    ['an empty file', '', 'empty'],
    ['a file with an unclosed quote', 'email\n"ann@example.com\n', 'could not be read'],
    ['binary content', 'email\nann@example.com\u0000\u0001\n', 'NUL'],
    ['a header naming a column twice', 'email,Email\na@example.com,b@example.com\n', 'twice'],
  ])('refuses %s whole with 400 and writes nothing', async (_name, csv, mention) => {
    const { api, path, leadsplit } = await draftCampaign();
    const before = tableCounts(leadsplit);

    const res = await api.post(path).type('text/csv').send(csv).expect(400);

    expect(res.body.error.message).toContain(mention);
    expect(tableCounts(leadsplit)).toEqual(before);
  });

  it('answers 413 for an upload over the size limit and writes nothing', async () => {
    const { api, path, leadsplit } = await draftCampaign({ maxImportBytes: 10_000 });
    const before = tableCounts(leadsplit);

    const res = await api.post(path).type('text/csv').send(prospectCsv(1000)).expect(413);

    expect(res.body.error.code).toBe('payload_too_large');
    expect(tableCounts(leadsplit)).toEqual(before);
  });

  it('answers 415 for a body that is neither CSV nor JSON', async () => {
    const { api, path } = await draftCampaign();
    await api.post(path).type('text/plain').send('email\na@example.com').expect(415);
  });
});

describe('POST /api/campaigns/:id/prospects as JSON', () => {
  it('imports an array of prospects with the same fields as the CSV', async () => {
    const { api, path, leadsplit } = await draftCampaign();

    const res = await api
      .post(path)
      .send([
        { email: 'Ann@Example.com', first_name: 'Ann', plan: 'gold', score: 7 },
        { email: 'bo@example.com' },
        { email: 'nope' },
        { first_name: 'Nobody' },
        'ann@example.com',
        { email: 'deep@example.com', nested: { a: 1 } },
      ])
      .expect(200);

    expect(res.body).toMatchObject({ imported: 2, rejectedCount: 4 });
    expect(res.body.rejected.map((r: { row: number }) => r.row)).toEqual([4, 5, 6, 7]);
    const ann = leadsplit.context.sqlite
      .prepare('SELECT attributes FROM prospects WHERE email = ?')
      .pluck()
      .get('ann@example.com');
    expect(JSON.parse(ann as string)).toEqual({ plan: 'gold', score: '7' });
  });

  it('refuses a body that is not an array', async () => {
    const { api, path } = await draftCampaign();
    const res = await api.post(path).send({ email: 'a@example.com' }).expect(400);
    expect(res.body.error.message).toContain('array');
  });
});

describe('prospects imported after launch', () => {
  it('are enrolled at once by the same rule', async () => {
    const { api, path, id } = await draftCampaign();
    await api.post(path).type('text/csv').send(prospectCsv(100)).expect(200);
    await api.post(`/api/campaigns/${id}/launch`).expect(200);

    const res = await api.post(path).type('text/csv').send(prospectCsv(50, 100)).expect(200);

    expect(res.body.enrolled.test + res.body.enrolled.remainder).toBe(50);
    const campaign = (await api.get(`/api/campaigns/${id}`).expect(200)).body;
    const enrolled = campaign.variants.reduce(
      (s: number, v: { enrolled: number }) => s + v.enrolled,
      0,
    );
    expect(enrolled + campaign.remainder).toBe(150);
  });
});

describe('a known prospect imported again', () => {
  it('keeps the channel it was first recorded with, even an empty one', async () => {
    const { api, path, leadsplit } = await draftCampaign();
    await api
      .post(path)
      .type('text/csv')
      .send('email,source\nann@example.com,ads\nbo@example.com,\n');

    await api
      .post(path)
      .type('text/csv')
      .send('email,source\nann@example.com,newsletter\nbo@example.com,webinar\n')
      .expect(200);

    const sources = leadsplit.context.sqlite
      .prepare('SELECT email, source FROM prospects ORDER BY email')
      .all();
    expect(sources).toEqual([
      { email: 'ann@example.com', source: 'ads' },
      { email: 'bo@example.com', source: null },
    ]);
  });
});
