import { describe, expect, it } from 'vitest';
import { campaignBody, formTokenOf, prospectCsv, signedInAgent, startApp } from '../helpers';

describe('the campaign pages', () => {
  it('creates a campaign from the form, with variants added on the way', async () => {
    const { app, api } = startApp();
    const agent = await signedInAgent(app);
    const form = await agent.get('/campaigns/new').expect(200);
    const token = formTokenOf(form.text);
    const fields = {
      _csrf: token,
      variantCount: '2',
      name: 'Winter sale',
      goal: 'purchase',
      testFraction: '20',
      confidence: '0.95',
      minimumDetectableEffect: '1',
      expectedRate: '5',
      expectedListSize: '1000',
      l0_key: 'shop',
      l0_url: 'https://shop.example.com/winter',
      v0_key: 'a',
      v0_name: 'Plain',
      v0_subject: 'Winter sale',
      v0_template: 'announcement',
      v0_weight: '1',
      v1_key: 'b',
      v1_name: 'Bold',
      v1_subject: 'Last winter deals',
      v1_template: 'offer',
      v1_weight: '1',
      control: '0',
    };

    const added = await agent
      .post('/campaigns/new')
      .type('form')
      .send({ ...fields, action: 'add' })
      .expect(200);
    expect(added.text).toContain('Variant 3');
    expect(added.text).toContain('is too small to detect that lift');
    const created = await agent
      .post('/campaigns/new')
      .type('form')
      .send({ ...fields, action: 'create' })
      .expect(303);

    const id = created.headers.location!.split('/').pop();
    const stored = await api.get(`/api/campaigns/${id}`).expect(200);
    expect(stored.body).toMatchObject({ name: 'Winter sale', testFraction: 0.2 });
    expect(stored.body.variants.map((v: { key: string }) => v.key)).toEqual(['a', 'b']);
  });

  it('shows what is wrong with a form instead of failing', async () => {
    const { app } = startApp();
    const agent = await signedInAgent(app);
    const token = formTokenOf((await agent.get('/campaigns/new')).text);
    const res = await agent
      .post('/campaigns/new')
      .type('form')
      .send({ _csrf: token, variantCount: '2', name: '', testFraction: '500', action: 'create' })
      .expect(400);
    expect(res.text).toContain('Please fix these');
    expect(res.text).toContain('testFraction');
  });

  it('uploads prospects, launches, and shows the report with charts', async () => {
    const { app, api, leadsplit } = startApp();
    const { body } = await api
      .post('/api/campaigns')
      .send(campaignBody({ testFraction: 1 }))
      .expect(201);
    const agent = await signedInAgent(app);
    const page = await agent.get(`/campaigns/${body.id}`).expect(200);
    expect(page.text).toContain('Not launched');

    const uploaded = await agent
      .post(`/campaigns/${body.id}/prospects?_csrf=${formTokenOf(page.text)}`)
      .attach('file', Buffer.from(prospectCsv(40) + 'bad-email,x,y\n'), 'list.csv')
      .expect(200);
    expect(uploaded.text).toContain('Imported 40');
    expect(uploaded.text).toContain('invalid email');
    await agent
      .post(`/campaigns/${body.id}/launch`)
      .type('form')
      .send({ _csrf: formTokenOf(uploaded.text) })
      .expect(303);
    await leadsplit.worker.drain();

    const report = await agent.get(`/campaigns/${body.id}`).expect(200);
    expect(report.text).toMatch(/data-verdict="collecting"/);
    expect(report.text).toContain('<svg');
    expect(report.text).toMatch(/newsletter/);
    const csv = await agent.get(`/campaigns/${body.id}/report.csv`).expect(200);
    expect(csv.text.split('\r\n')[0]).toMatch(/^variant,name,control,/);
    const list = await agent.get('/campaigns').expect(200);
    expect(list.text).toContain('Collecting');
    await agent.get('/trends').expect(200);
  });

  it('refuses an upload without the form token', async () => {
    const { app, api } = startApp();
    const { body } = await api.post('/api/campaigns').send(campaignBody()).expect(201);
    const agent = await signedInAgent(app);
    await agent
      .post(`/campaigns/${body.id}/prospects`)
      .attach('file', Buffer.from(prospectCsv(3)), 'list.csv')
      .expect(403);
  });
});

describe('the rollout button', () => {
  it('appears when a winner stands, and sends the winner to the remainder', async () => {
    const { app, api, leadsplit } = startApp();
    const { body } = await api
      .post('/api/campaigns')
      .send(campaignBody({ testFraction: 0.5, minimumDetectableEffect: 0.05 }))
      .expect(201);
    await api.post(`/api/campaigns/${body.id}/prospects`).type('text/csv').send(prospectCsv(2000));
    await api.post(`/api/campaigns/${body.id}/launch`).expect(200);
    await leadsplit.worker.drain();
    const { sqlite } = leadsplit.context;
    // Variant b's leads all convert, a's none: a winner beyond doubt.
    sqlite
      .prepare(
        `INSERT INTO conversions (campaign_id, variant_id, prospect_id, goal, value, occurred_at, source)
         SELECT m.campaign_id, m.variant_id, m.prospect_id, 'purchase', NULL, 0, 'test'
           FROM messages m JOIN variants v ON v.id = m.variant_id WHERE v.key = 'b'`,
      )
      .run();
    sqlite.prepare('UPDATE messages SET sent_at = 0').run();
    sqlite.prepare('UPDATE daily_leads SET day = ?').run('1970-01-01');
    const agent = await signedInAgent(app);

    const page = await agent.get(`/campaigns/${body.id}`).expect(200);
    expect(page.text).toMatch(/data-verdict="winner"/);
    expect(page.text).toMatch(/Send Urgent to the remaining [\d,]+ prospects/);
    await agent
      .post(`/campaigns/${body.id}/rollout`)
      .type('form')
      .send({ _csrf: formTokenOf(page.text) })
      .expect(303);

    const after = await api.get(`/api/campaigns/${body.id}`).expect(200);
    expect(after.body.status).toBe('rolling_out');
    const again = await agent.get(`/campaigns/${body.id}`).expect(200);
    expect(again.text).not.toMatch(/to the remaining/);
  });
});
