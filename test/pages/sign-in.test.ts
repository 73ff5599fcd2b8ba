import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { ADMIN_PASSWORD, formTokenOf, signedInAgent, startApp } from '../helpers';

describe('dashboard sign-in', () => {
  it('sends a visitor to the sign-in page and back where they were going', async () => {
    const { app } = startApp();
    const agent = request.agent(app);

    const away = await agent.get('/campaigns').expect(303);
    expect(away.headers.location).toBe('/sign-in?next=%2Fcampaigns');
    const form = await agent.get('/sign-in?next=%2Foutbox').expect(200);
    const signIn = await agent
      .post('/sign-in')
      .type('form')
      .send({ password: ADMIN_PASSWORD, _csrf: formTokenOf(form.text), next: '/outbox' })
      .expect(303);

    expect(signIn.headers.location).toBe('/outbox');
    const cookie = [signIn.headers['set-cookie']].flat().find((c) => c?.startsWith('ls_session='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).not.toMatch(/Secure/i);
    await agent.get('/campaigns').expect(200);
  });

  it('marks the cookie Secure when the public URL is https', async () => {
    const { app } = startApp({ publicUrl: 'https://ab.example.com' });
    const form = await request(app).get('/sign-in').expect(200);
    const visitor = [form.headers['set-cookie']].flat().find((c) => c?.startsWith('ls_visitor='))!;
    expect(visitor).toMatch(/Secure/i);
    // Behind TLS the browser sends the Secure cookie back; supertest speaks plain HTTP.
    const res = await request(app)
      .post('/sign-in')
      .set('Cookie', visitor.split(';')[0]!)
      .type('form')
      .send({ password: ADMIN_PASSWORD, _csrf: formTokenOf(form.text) })
      .expect(303);
    expect([res.headers['set-cookie']].flat().join(';')).toMatch(/ls_session=[^;]+;.*Secure/i);
  });

  it('refuses a wrong password, and a form without its token', async () => {
    const { app } = startApp();
    const agent = request.agent(app);
    const form = await agent.get('/sign-in').expect(200);

    const wrong = await agent
      .post('/sign-in')
      .type('form')
      .send({ password: 'guess', _csrf: formTokenOf(form.text) })
      .expect(401);
    await agent.post('/sign-in').type('form').send({ password: ADMIN_PASSWORD }).expect(403);
    await request(app)
      .post('/sign-in')
      .type('form')
      .send({ password: ADMIN_PASSWORD, _csrf: formTokenOf(form.text) })
      .expect(403);

    expect(wrong.text).toContain('That password is not right.');
    await agent.get('/campaigns').expect(303);
  });

  it('never sends a visitor off-site after signing in', async () => {
    const { app } = startApp();
    const agent = request.agent(app);
    const form = await agent.get('/sign-in').expect(200);
    const res = await agent
      .post('/sign-in')
      .type('form')
      .send({ password: ADMIN_PASSWORD, _csrf: formTokenOf(form.text), next: '//evil.example/x' })
      .expect(303);
    expect(res.headers.location).toBe('/campaigns');
  });

  it('limits sign-in attempts per address', async () => {
    const { app } = startApp();
    const agent = request.agent(app);
    const token = formTokenOf((await agent.get('/sign-in')).text);
    const statuses: number[] = [];
    for (let i = 0; i < 22; i++) {
      statuses.push(
        (await agent.post('/sign-in').type('form').send({ password: 'x', _csrf: token })).status,
      );
    }
    expect(statuses.slice(0, 20).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(20)).toEqual([429, 429]);
  });

  it('signs out, after which the session no longer opens pages', async () => {
    const { app } = startApp();
    const agent = await signedInAgent(app);
    const page = await agent.get('/campaigns').expect(200);

    await agent
      .post('/sign-out')
      .type('form')
      .send({ _csrf: formTokenOf(page.text) })
      .expect(303);

    await agent.get('/campaigns').expect(303);
  });

  it('leaves a host app’s own routes alone', async () => {
    const { default: express } = await import('express');
    const { leadsplit } = startApp();
    const host = express();
    host.use('/', leadsplit.router);
    host.get('/host-page', (_req, res) => {
      res.send('host');
    });
    const res = await request(host).get('/host-page').expect(200);
    expect(res.text).toBe('host');
    expect(res.headers['set-cookie']).toBeUndefined();
  });
});

describe('the calculator', () => {
  it('works without sign-in and shows ratios, intervals and significance', async () => {
    const { app } = startApp();

    const res = await request(app)
      .get(
        '/calculator?name=Control&leads=1000&customers=50&name=New&leads=1000&customers=80&mde=2',
      )
      .expect(200);

    expect(res.text).toContain('5.0 %');
    expect(res.text).toContain('8.0 %');
    expect(res.text).toContain('+3.0 pts');
    expect(res.text).toMatch(/New turns 8\.0 % of leads into customers against 5\.0 % for Control/);
    expect(res.text).toMatch(/each group needs <strong>[\d,]+ leads<\/strong>/);
  });

  it('explains bad numbers instead of failing', async () => {
    const { app } = startApp();
    const res = await request(app)
      .get('/calculator?name=A&leads=10&customers=20&name=B&leads=10&customers=1')
      .expect(400);
    expect(res.text).toContain('no more customers than leads');
  });
});
