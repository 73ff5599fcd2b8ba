import { describe, expect, it } from 'vitest';
import { campaignBody, manualClock, prospectCsv, startApp, tempDir } from '../helpers';

const HOUR = 3_600_000;

/**
 * A launched, sent campaign on a file in `dir`; conversions for variant b's leads at `rateB`
 * and a's at `rateA`, spread evenly.
 */
async function launched(options: {
  dir: string;
  clock: ReturnType<typeof manualClock>;
  rateA: number;
  rateB: number;
  body?: Record<string, unknown>;
}) {
  const app = startApp({ dir: options.dir, clock: options.clock });
  const { body } = await app.api
    .post('/api/campaigns')
    .send(campaignBody({ testFraction: 0.5, minimumDetectableEffect: 0.05, ...options.body }))
    .expect(201);
  await app.api
    .post(`/api/campaigns/${body.id}/prospects`)
    .type('text/csv')
    .send(prospectCsv(1600));
  await app.api.post(`/api/campaigns/${body.id}/launch`).expect(200);
  await app.leadsplit.worker.drain();
  const { sqlite } = app.leadsplit.context;
  const leads = sqlite
    .prepare(
      `SELECT m.prospect_id AS prospectId, m.variant_id AS variantId, v.key FROM messages m
         JOIN variants v ON v.id = m.variant_id ORDER BY m.prospect_id`,
    )
    .all() as { prospectId: number; variantId: number; key: string }[];
  const insert = sqlite.prepare(
    `INSERT INTO conversions (campaign_id, variant_id, prospect_id, goal, occurred_at, source)
     VALUES (?, ?, ?, 'purchase', ?, 'test')`,
  );
  const seen: Record<string, number> = { a: 0, b: 0 };
  const won: Record<string, number> = { a: 0, b: 0 };
  for (const lead of leads) {
    seen[lead.key]!++;
    const rate = lead.key === 'a' ? options.rateA : options.rateB;
    if (Math.floor(seen[lead.key]! * rate) > won[lead.key]!) {
      won[lead.key]!++;
      insert.run(body.id, lead.variantId, lead.prospectId, options.clock().getTime() + HOUR);
    }
  }
  return { ...app, id: body.id as number };
}

const statusOf = async (app: Awaited<ReturnType<typeof launched>>) =>
  (await app.api.get(`/api/campaigns/${app.id}`).expect(200)).body;

describe('the scheduler', () => {
  it('takes a campaign from test to verdict to rollout by itself, through restarts', async () => {
    const dir = tempDir();
    const clock = manualClock();
    const first = await launched({
      dir,
      clock,
      rateA: 0.04,
      rateB: 0.3,
      body: { autoRollout: true },
    });
    const id = first.id;
    await first.leadsplit.close();

    // The window closes while the server is down; the job runs once it is back.
    clock.advance(40 * 24 * HOUR);
    const second = startApp({ dir, clock });
    const ran = second.leadsplit.scheduler.runDue();
    await second.leadsplit.close();

    const third = startApp({ dir, clock });
    await third.leadsplit.worker.drain();
    const campaign = (await third.api.get(`/api/campaigns/${id}`).expect(200)).body;

    expect(ran).toBe(1);
    expect(campaign.decision).toMatchObject({ rule: 'winner', variant: 'b' });
    expect(campaign.status).toBe('completed');
    expect(campaign.messages.sent).toBe(1600);
  });

  it('keeps looking while the test has no final verdict, until its window ends', async () => {
    const clock = manualClock();
    const app = await launched({
      dir: tempDir(),
      clock,
      rateA: 0.05,
      rateB: 0.06,
      body: { testDurationHours: 48, noWinnerRule: 'hold' },
    });

    app.leadsplit.scheduler.runDue();
    const early = await statusOf(app);
    clock.advance(24 * HOUR);
    app.leadsplit.scheduler.runDue();
    const midway = await statusOf(app);
    clock.advance(25 * HOUR);
    app.leadsplit.scheduler.runDue();
    const late = await statusOf(app);

    expect(early.status).toBe('testing');
    expect(midway.status).toBe('testing');
    expect(late.status).toBe('decided');
    expect(late.decision).toMatchObject({ rule: 'hold', variant: null });
    expect(late.decision.reason).toMatch(/48 hours ended without a winner/);
  });

  it.each([
    ['control', 'a'],
    ['best', 'b'],
  ])('follows the %s rule when the window ends without a winner', async (rule, variant) => {
    const clock = manualClock();
    const app = await launched({
      dir: tempDir(),
      clock,
      rateA: 0.05,
      rateB: 0.065,
      body: { testDurationHours: 24, noWinnerRule: rule, autoRollout: true },
    });
    clock.advance(25 * HOUR);

    app.leadsplit.scheduler.runDue();

    const campaign = await statusOf(app);
    expect(campaign.decision).toMatchObject({ rule, variant });
    expect(campaign.status).toBe('rolling_out');
    const report = (await app.api.get(`/api/campaigns/${app.id}/report`).expect(200)).body;
    expect(report.campaign.decision.reason).toContain('the rule sends');
  });

  it('runs each job once with two servers on one database', async () => {
    const dir = tempDir();
    const clock = manualClock();
    const app = await launched({ dir, clock, rateA: 0.04, rateB: 0.3 });
    const other = startApp({ dir, clock });
    clock.advance(40 * 24 * HOUR);

    const runs = [app.leadsplit.scheduler.runDue(), other.leadsplit.scheduler.runDue()];

    expect(runs.reduce((a, b) => a + b)).toBe(1);
    const job = app.leadsplit.context.sqlite
      .prepare('SELECT attempts, done_at FROM jobs')
      .get() as {
      attempts: number;
      done_at: number | null;
    };
    expect(job.attempts).toBe(1);
    expect(job.done_at).not.toBeNull();
  });
});
