import { describe, expect, it } from 'vitest';
import { campaignBody, prospectCsv, startApp, tableCounts } from '../helpers';

type Method = 'get' | 'post' | 'patch';
interface BadRequest {
  name: string;
  method: Method;
  path: string;
  type?: string;
  body?: string | object;
  status: number;
}

const SQLISH = '1; DROP TABLE campaigns; --';
const HTMLISH = '<script>alert(1)</script>';
const huge = 'x'.repeat(2 * 1024 * 1024);

// :draft is a draft campaign with prospects; :live one that was launched.
const cases: BadRequest[] = [
  {
    name: 'malformed JSON',
    method: 'post',
    path: '/api/campaigns',
    type: 'json',
    body: '{"name":',
    status: 400,
  },
  {
    name: 'JSON that is a string',
    method: 'post',
    path: '/api/campaigns',
    type: 'json',
    body: '"hello"',
    status: 400,
  },
  {
    name: 'JSON null',
    method: 'post',
    path: '/api/campaigns',
    type: 'json',
    body: 'null',
    status: 400,
  },
  {
    name: 'an empty body',
    method: 'post',
    path: '/api/campaigns',
    type: 'json',
    body: '',
    status: 400,
  },
  {
    name: 'a form body',
    method: 'post',
    path: '/api/campaigns',
    type: 'form',
    body: 'name=x',
    status: 400,
  },
  {
    name: 'a missing name',
    method: 'post',
    path: '/api/campaigns',
    body: campaignBody({ name: undefined }),
    status: 400,
  },
  {
    name: 'a numeric name',
    method: 'post',
    path: '/api/campaigns',
    body: campaignBody({ name: 7 }),
    status: 400,
  },
  {
    name: 'variants as an object',
    method: 'post',
    path: '/api/campaigns',
    body: campaignBody({ variants: {} }),
    status: 400,
  },
  {
    name: 'a string test fraction',
    method: 'post',
    path: '/api/campaigns',
    body: campaignBody({ testFraction: '0.5' }),
    status: 400,
  },
  {
    name: 'a NaN-like weight',
    method: 'post',
    path: '/api/campaigns',
    type: 'json',
    body: JSON.stringify(campaignBody()).replace('"key":"a"', '"key":"a","weight":"NaN"'),
    status: 400,
  },
  {
    name: 'an SQL-looking goal',
    method: 'post',
    path: '/api/campaigns',
    body: campaignBody({ goal: SQLISH }),
    status: 400,
  },
  {
    name: 'an HTML variant key',
    method: 'post',
    path: '/api/campaigns',
    body: campaignBody({
      variants: [
        { key: HTMLISH, name: 'a', subject: 'a' },
        { key: 'b', name: 'b', subject: 'b' },
      ],
    }),
    status: 400,
  },
  {
    name: 'a template path',
    method: 'post',
    path: '/api/campaigns',
    body: campaignBody({
      variants: [
        { key: 'a', name: 'a', subject: 'a', template: '../../etc/passwd' },
        { key: 'b', name: 'b', subject: 'b' },
      ],
    }),
    status: 400,
  },
  {
    name: 'an oversize body',
    method: 'post',
    path: '/api/campaigns',
    type: 'json',
    body: JSON.stringify({ name: huge }),
    status: 413,
  },
  {
    name: 'an SQL-looking id',
    method: 'get',
    path: `/api/campaigns/${encodeURIComponent(SQLISH)}`,
    status: 400,
  },
  { name: 'a negative id', method: 'get', path: '/api/campaigns/-1', status: 400 },
  { name: 'a fractional id', method: 'get', path: '/api/campaigns/1.5', status: 400 },
  { name: 'a huge id', method: 'get', path: '/api/campaigns/99999999999999999999999', status: 400 },
  { name: 'an unknown id', method: 'get', path: '/api/campaigns/4242', status: 404 },
  { name: 'an unknown route', method: 'get', path: '/api/nothing-here', status: 404 },
  {
    name: 'an edit of an unknown campaign',
    method: 'patch',
    path: '/api/campaigns/4242',
    body: { name: 'x' },
    status: 404,
  },
  {
    name: 'an edit with wrong types',
    method: 'patch',
    path: '/api/campaigns/:draft',
    body: { testFraction: 'all' },
    status: 400,
  },
  {
    name: 'an edit with an HTML name that is too long',
    method: 'patch',
    path: '/api/campaigns/:draft',
    body: { name: HTMLISH.repeat(30) },
    status: 400,
  },
  {
    name: 'an edit of a launched campaign',
    method: 'patch',
    path: '/api/campaigns/:live',
    body: { name: 'x' },
    status: 409,
  },
  {
    name: 'an edit with malformed JSON',
    method: 'patch',
    path: '/api/campaigns/:draft',
    type: 'json',
    body: '{',
    status: 400,
  },
  {
    name: 'an import into an unknown campaign',
    method: 'post',
    path: '/api/campaigns/4242/prospects',
    type: 'csv',
    body: 'email\na@example.com\n',
    status: 404,
  },
  {
    name: 'an import of malformed JSON',
    method: 'post',
    path: '/api/campaigns/:draft/prospects',
    type: 'json',
    body: '[{"email":',
    status: 400,
  },
  {
    name: 'an import of an object',
    method: 'post',
    path: '/api/campaigns/:draft/prospects',
    body: { email: 'a@example.com' },
    status: 400,
  },
  {
    name: 'an import with an SQL header',
    method: 'post',
    path: '/api/campaigns/:draft/prospects',
    type: 'csv',
    body: `${SQLISH}\nx\n`,
    status: 400,
  },
  {
    name: 'an import as XML',
    method: 'post',
    path: '/api/campaigns/:draft/prospects',
    type: 'xml',
    body: '<a/>',
    status: 415,
  },
  {
    name: 'an oversize import',
    method: 'post',
    path: '/api/campaigns/:draft/prospects',
    type: 'csv',
    body: prospectCsv(20_000),
    status: 413,
  },
  {
    name: 'a launch of an unknown campaign',
    method: 'post',
    path: '/api/campaigns/4242/launch',
    status: 404,
  },
  {
    name: 'a launch with a bad id',
    method: 'post',
    path: `/api/campaigns/${encodeURIComponent(HTMLISH)}/launch`,
    status: 400,
  },
  {
    name: 'a campaign id with a broken %-escape',
    method: 'get',
    path: '/api/campaigns/%E0%A4%A',
    status: 400,
  },
  {
    name: 'an unsubscribe address with a broken %-escape',
    method: 'get',
    path: '/t/u/%E0%A4%A',
    status: 400,
  },
];

const types: Record<string, string> = {
  json: 'application/json',
  csv: 'text/csv',
  form: 'application/x-www-form-urlencoded',
  xml: 'application/xml',
};

describe('bad requests to every API route', () => {
  it.each(cases)('answers $status to $name with a JSON error and writes nothing', async (c) => {
    const { api, leadsplit } = startApp({ maxImportBytes: 256 * 1024 });
    const draft = (await api.post('/api/campaigns').send(campaignBody()).expect(201)).body.id;
    const live = (await api.post('/api/campaigns').send(campaignBody()).expect(201)).body.id;
    for (const id of [draft, live]) {
      await api.post(`/api/campaigns/${id}/prospects`).type('text/csv').send(prospectCsv(50));
    }
    await api.post(`/api/campaigns/${live}/launch`).expect(200);
    const before = tableCounts(leadsplit);
    const campaignsBefore = leadsplit.context.sqlite.prepare('SELECT * FROM campaigns').all();

    const path = c.path.replace(':draft', String(draft)).replace(':live', String(live));
    let req = api[c.method](path);
    if (c.type) req = req.set('Content-Type', types[c.type]!);
    const res = await (c.body === undefined ? req : req.send(c.body));

    expect(res.status).toBe(c.status);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.body.error).toEqual(
      expect.objectContaining({ code: expect.any(String), message: expect.any(String) }),
    );
    expect(res.body.error.message).not.toMatch(/SQLITE|at .*\.ts:\d+/);
    expect(tableCounts(leadsplit)).toEqual(before);
    expect(leadsplit.context.sqlite.prepare('SELECT * FROM campaigns').all()).toEqual(
      campaignsBefore,
    );
  });
});
