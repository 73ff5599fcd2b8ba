import request from 'supertest';
import { describe, expect, it } from 'vitest';
import type { LeadsplitOptions } from '../../src/index';
import { API_KEY, campaignBody, manualClock, startApp, tableCounts } from '../helpers';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * A campaign with the goal "purchase" whose six prospects were emailed on 2 March 2026 at
 * 09:00 UTC; the clock is then two days on. Uploads go through the whole plugin.
 */
async function sentCampaign(
  options: Pick<LeadsplitOptions, 'maxImportBytes' | 'maxConversionImportBytes'> = {},
) {
  const clock = manualClock(new Date('2026-03-02T09:00:00Z'));
  const testApp = startApp({ clock, ...options });
  const { api, leadsplit } = testApp;
  const { body: campaign } = await api
    .post('/api/campaigns')
    .send(campaignBody({ testFraction: 1, attributionWindowDays: 7 }))
    .expect(201);
  const prospects = ['email,external_id'];
  for (let i = 0; i < 6; i++) prospects.push(`user${i}@example.com,crm-${i}`);
  await api
    .post(`/api/campaigns/${campaign.id}/prospects`)
    .type('text/csv')
    .send(prospects.join('\n'))
    .expect(200);
  await api.post(`/api/campaigns/${campaign.id}/launch`).expect(200);
  await leadsplit.worker.drain();
  clock.advance(2 * DAY);

  const { sqlite } = leadsplit.context;
  const { app } = testApp;
  return {
    ...testApp,
    clock,
    sqlite,
    campaignId: campaign.id as number,
    post: (path = '/api/conversions') =>
      request(app).post(path).set('Authorization', `Bearer ${API_KEY}`),
    app,
    /** Each conversion with its prospect's email and whether its variant is the email's. */
    conversions: () =>
      sqlite
        .prepare(
          `SELECT p.email, c.goal, c.value, c.currency, c.occurred_at AS occurredAt, c.source,
                  c.variant_id = m.variant_id AS emailVariant
             FROM conversions c JOIN prospects p ON p.id = c.prospect_id
             JOIN messages m ON m.prospect_id = c.prospect_id AND m.campaign_id = c.campaign_id
            ORDER BY p.email`,
        )
        .all(),
  };
}

const CRM_CSV = [
  'Email,External ID,Goal,Value,Currency,Date,Notes',
  'user0@example.com,,purchase,10.00,EUR,2026-03-03T12:00:00Z,first order',
  ',crm-1,purchase,5,eur,2026-03-02,paid on the day of the email',
  'stranger@example.com,,purchase,1,EUR,2026-03-03,',
  'user2@example.com,,purchase,1,EUR,2026-03-01,',
  'user3@example.com,,signup,,,2026-03-03,',
  'not-an-email,,purchase,1,EUR,2026-03-03,',
  'user4@example.com,,purchase,12$,EUR,2026-03-03,',
  'user5@example.com,,purchase,1,EUR,03/02/2026,',
  ',,purchase,1,EUR,2026-03-03,',
].join('\n');

describe('POST /api/conversions as CSV', () => {
  it('imports matched rows and lists unmatched and rejected ones with their reasons', async () => {
    const setup = await sentCampaign();

    const res = await setup.post().type('text/csv').send(CRM_CSV).expect(200);

    expect(res.body).toEqual({
      imported: 2,
      duplicates: 0,
      unmatched: [
        { row: 4, code: 'unknown_prospect', reason: expect.stringMatching(/no prospect/i) },
        { row: 5, code: 'before_email', reason: expect.stringMatching(/before/) },
        { row: 6, code: 'other_goal', reason: expect.stringMatching(/goal/) },
      ],
      unmatchedCount: 3,
      rejected: [
        { row: 7, reason: 'invalid email' },
        { row: 8, reason: expect.stringMatching(/^value must be a plain amount/) },
        { row: 9, reason: expect.stringMatching(/^date must be YYYY-MM-DD/) },
        { row: 10, reason: 'missing email and external_id' },
      ],
      rejectedCount: 4,
      valueSkipped: [],
      valueSkippedCount: 0,
    });
    expect(setup.conversions()).toEqual([
      {
        email: 'user0@example.com',
        goal: 'purchase',
        value: 10,
        currency: 'EUR',
        occurredAt: Date.parse('2026-03-03T12:00:00Z'),
        source: 'import',
        emailVariant: 1,
      },
      {
        email: 'user1@example.com',
        goal: 'purchase',
        value: 5,
        currency: 'EUR',
        // A date alone is the end of that day, so a sale on the day of the email counts.
        occurredAt: Date.parse('2026-03-03T00:00:00Z') - 1,
        source: 'import',
        emailVariant: 1,
      },
    ]);
  });

  it('counts each row once when the same file is uploaded again', async () => {
    const setup = await sentCampaign();
    await setup.post().type('text/csv').send(CRM_CSV).expect(200);
    const before = tableCounts(setup.leadsplit);

    const again = await setup.post().type('text/csv').send(CRM_CSV).expect(200);

    expect(again.body).toMatchObject({
      imported: 0,
      duplicates: 2,
      unmatchedCount: 3,
      rejectedCount: 4,
    });
    expect(tableCounts(setup.leadsplit)).toEqual(before);
    expect(setup.conversions()).toMatchObject([{ value: 10 }, { value: 5 }]);
  });

  it('reads today’s date as now, and the same row uploaded later as a duplicate', async () => {
    const setup = await sentCampaign();
    const csv = 'email,goal,date\nuser0@example.com,purchase,2026-03-04\n';
    const firstUpload = setup.leadsplit.context.clock().getTime();
    await setup.post().type('text/csv').send(csv).expect(200);
    setup.clock.advance(2 * HOUR);

    const again = await setup.post().type('text/csv').send(csv).expect(200);

    expect(again.body).toMatchObject({ imported: 0, duplicates: 1 });
    expect(setup.conversions()).toMatchObject([{ occurredAt: firstUpload }]);
  });

  it('rejects a row dated after today', async () => {
    const setup = await sentCampaign();

    const res = await setup
      .post()
      .type('text/csv')
      .send('email,goal,date\nuser0@example.com,purchase,2026-03-05\n')
      .expect(200);

    expect(res.body.rejected).toEqual([
      { row: 2, reason: expect.stringMatching(/^date .*future/) },
    ]);
  });

  it('adds a second order of a customer when it has its own idempotency key', async () => {
    const setup = await sentCampaign();
    const csv =
      'email,goal,value,date,idempotency_key\n' +
      'user0@example.com,purchase,10,2026-03-03,order-1\n' +
      'user0@example.com,purchase,10,2026-03-03,order-2\n' +
      'user0@example.com,purchase,10,2026-03-03,order-2\n' +
      'user0@example.com,purchase,99,2026-03-03,order-1\n';

    const res = await setup.post().type('text/csv').send(csv).expect(200);

    expect(res.body).toMatchObject({
      imported: 2,
      duplicates: 1,
      rejected: [{ row: 5, reason: expect.stringMatching(/idempotency_key was used before/) }],
    });
    expect(setup.conversions()).toMatchObject([{ email: 'user0@example.com', value: 20 }]);
  });

  it('accepts a date that has begun east of UTC, and stores it as now', async () => {
    const setup = await sentCampaign();
    // 11:00 UTC on 4 March is 01:00 on 5 March at UTC+14.
    setup.clock.advance(2 * HOUR);

    const res = await setup
      .post()
      .type('text/csv')
      .send('email,goal,date\nuser0@example.com,purchase,2026-03-05\n')
      .expect(200);

    expect(res.body).toMatchObject({ imported: 1, rejectedCount: 0 });
    expect(setup.conversions()).toMatchObject([{ occurredAt: setup.clock().getTime() }]);
  });

  it('counts two rows that differ only in currency as two reports', async () => {
    const setup = await sentCampaign();
    const csv =
      'email,goal,value,currency,date\n' +
      'user0@example.com,purchase,10,EUR,2026-03-03\n' +
      'user0@example.com,purchase,10,USD,2026-03-03\n';

    const res = await setup.post().type('text/csv').send(csv).expect(200);

    expect(res.body).toMatchObject({
      imported: 2,
      rejectedCount: 0,
      valueSkipped: [{ row: 3, reason: expect.stringMatching(/keeps .* in EUR/) }],
      valueSkippedCount: 1,
    });
    expect(setup.conversions()).toMatchObject([{ value: 10, currency: 'EUR' }]);
  });

  it('rejects a currency code that names no currency, saying so', async () => {
    const setup = await sentCampaign();

    const res = await setup
      .post()
      .type('text/csv')
      .send('email,goal,value,currency,date\nuser0@example.com,purchase,5,abc,2026-03-03\n')
      .expect(200);

    expect(res.body.rejected).toEqual([
      {
        row: 2,
        reason: 'currency ABC is not an ISO 4217 currency code; use one such as EUR or USD',
      },
    ]);
    expect(setup.conversions()).toEqual([]);
  });

  it('reads a stray quote in a column it ignores as a character', async () => {
    const setup = await sentCampaign();
    const csv =
      'email,goal,date,notes\n' +
      'user0@example.com,purchase,2026-03-03,24" monitor\n' +
      'user1@example.com,purchase,2026-03-03,"wrapped, ""quoted"" note"\n';

    const res = await setup.post().type('text/csv').send(csv).expect(200);

    expect(res.body).toMatchObject({ imported: 2, rejectedCount: 0 });
  });

  it('numbers rows as a spreadsheet does, blank lines and multi-line fields included', async () => {
    const setup = await sentCampaign();
    const csv = [
      'email,goal,date,notes',
      'user0@example.com,purchase,2026-03-03,',
      '',
      '',
      'not-an-email,purchase,2026-03-03,"two',
      'lines"',
      'user1@example.com,purchase,someday,',
      '',
      ',,2026-03-03,',
    ].join('\r\n');

    const res = await setup.post().type('text/csv').send(csv).expect(200);

    expect(res.body.rejected).toEqual([
      { row: 5, reason: 'invalid email' },
      { row: 6, reason: expect.stringMatching(/^date must be/) },
      { row: 8, reason: 'missing email and external_id' },
    ]);
  });

  it('takes the goal of every row from ?goal= when the file has no goal column', async () => {
    const setup = await sentCampaign();

    const res = await setup
      .post('/api/conversions?goal=purchase')
      .type('text/csv')
      .send('external_id,date\ncrm-3,2026-03-03\n')
      .expect(200);

    expect(res.body).toMatchObject({ imported: 1 });
    expect(setup.conversions()).toMatchObject([{ email: 'user3@example.com', goal: 'purchase' }]);
  });

  const refusedFiles: [string, string, RegExp][] = [
    ['no email or external_id column', 'name,goal,date\nAnn,purchase,2026-03-03\n', /neither/],
    ['no date column', 'email,goal\nuser0@example.com,purchase\n', /"date"/],
    ['no goal column and no ?goal=', 'email,date\nuser0@example.com,2026-03-03\n', /"goal"/],
    ['an unclosed quote', 'email,goal,date\n"user0@example.com,purchase,2026-03-03\n', /CSV/],
    ['NUL bytes', 'email,goal,date\n\0\0\0\n', /not a CSV/],
    ['nothing at all', '', /empty/],
  ];
  it.each(refusedFiles)(
    'refuses a file with %s whole, writing nothing',
    async (_n, csv, message) => {
      const setup = await sentCampaign();
      const before = tableCounts(setup.leadsplit);

      const res = await setup.post().type('text/csv').send(csv);

      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(message);
      expect(tableCounts(setup.leadsplit)).toEqual(before);
    },
  );

  it('is not bound by the prospect upload limit', async () => {
    const setup = await sentCampaign({ maxImportBytes: 1024 });
    const csv = 'email,goal,date\n' + 'user0@example.com,purchase,2026-03-03\n'.repeat(100);

    const res = await setup.post().type('text/csv').send(csv).expect(200);

    expect(res.body).toMatchObject({ imported: 1, duplicates: 99 });
  });

  it('refuses a file over its own size limit with 413, writing nothing', async () => {
    const setup = await sentCampaign({ maxConversionImportBytes: 1024 });
    const before = tableCounts(setup.leadsplit);
    const csv = 'email,goal,date\n' + 'user0@example.com,purchase,2026-03-03\n'.repeat(100);

    const res = await setup.post().type('text/csv').send(csv);

    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
    expect(tableCounts(setup.leadsplit)).toEqual(before);
  });
});

describe('POST /api/conversions as JSON', () => {
  it('imports an array with the CSV’s field names and explains a camelCase one', async () => {
    const setup = await sentCampaign();

    const res = await setup
      .post()
      .send([
        {
          email: 'USER0@example.com',
          goal: 'purchase',
          value: 19.99,
          currency: 'EUR',
          date: '2026-03-03',
        },
        {
          external_id: 'crm-1',
          goal: 'purchase',
          date: '2026-03-03T08:00:00+01:00',
          idempotency_key: 'o-7',
        },
        { externalId: 'crm-2', goal: 'purchase', date: '2026-03-03' },
        'user3@example.com',
      ])
      .expect(200);

    expect(res.body).toMatchObject({
      imported: 2,
      rejected: [
        { row: 4, reason: 'field "externalId" is spelt "external_id" here' },
        { row: 5, reason: expect.stringMatching(/^not an object/) },
      ],
    });
    expect(setup.conversions()).toMatchObject([
      { email: 'user0@example.com', value: 19.99, currency: 'EUR' },
      { email: 'user1@example.com', value: null, occurredAt: Date.parse('2026-03-03T07:00:00Z') },
    ]);
  });

  it('refuses a body that is not an array, writing nothing', async () => {
    const setup = await sentCampaign();
    const before = tableCounts(setup.leadsplit);

    const res = await setup.post().send({ email: 'user0@example.com' });

    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/array of conversions/);
    expect(tableCounts(setup.leadsplit)).toEqual(before);
  });
});

describe('POST /api/conversions, other requests', () => {
  it('asks for the API key', async () => {
    const setup = await sentCampaign();

    const res = await request(setup.app).post('/api/conversions').type('text/csv').send(CRM_CSV);

    expect(res.status).toBe(401);
    expect(setup.conversions()).toEqual([]);
  });

  it('answers 415 for a body that is neither CSV nor JSON', async () => {
    const setup = await sentCampaign();

    const res = await setup.post().type('application/xml').send('<conversions/>');

    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe('unsupported_media_type');
  });
});
