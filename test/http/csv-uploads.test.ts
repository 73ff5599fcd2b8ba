import { describe, expect, it } from 'vitest';
import { campaignBody, startApp } from '../helpers';

// The prospect import and the CRM conversion import read CSV with the same reader; these are
// its rules as the prospect import shows them (the conversion import's own tests show them too).

async function draftCampaign() {
  const app = startApp();
  const { body } = await app.api.post('/api/campaigns').send(campaignBody()).expect(201);
  return { ...app, path: `/api/campaigns/${body.id}/prospects` };
}

describe('CSV uploads of prospects', () => {
  it('numbers rows as a spreadsheet does, counting blank lines', async () => {
    const { api, path } = await draftCampaign();
    const csv = [
      'email,first_name,notes',
      'ann@example.com,Ann,',
      '',
      'not-an-email,Bo,',
      '',
      '',
      'cy@example.com,Cy,"a note',
      'on two lines"',
      ',Di,',
    ].join('\n');

    const res = await api.post(path).type('text/csv').send(csv).expect(200);

    expect(res.body).toMatchObject({ imported: 2, rejectedCount: 2 });
    expect(res.body.rejected.map((r: { row: number }) => r.row)).toEqual([4, 8]);
  });

  it('reads a stray quote inside an unquoted field as a character', async () => {
    const { api, path, leadsplit } = await draftCampaign();
    const csv = 'email,first_name,interest\nann@example.com,Ann,24" monitor\n';

    const res = await api.post(path).type('text/csv').send(csv).expect(200);

    expect(res.body).toMatchObject({ imported: 1, rejectedCount: 0 });
    const attributes = leadsplit.context.sqlite
      .prepare('SELECT attributes FROM prospects WHERE email = ?')
      .pluck()
      .get('ann@example.com');
    expect(JSON.parse(attributes as string)).toEqual({ interest: '24" monitor' });
  });

  it('still refuses a file whose quote is never closed', async () => {
    const { api, path } = await draftCampaign();

    const res = await api
      .post(path)
      .type('text/csv')
      .send('email,first_name\n"ann@example.com,Ann\n');

    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/could not be read as CSV/);
  });
});
