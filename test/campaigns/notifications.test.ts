import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkConversionSignature } from '../../src/tracking/conversion-signature';
import { campaignBody, manualClock, prospectCsv, startApp } from '../helpers';

interface Received {
  body: string;
  signature: string | undefined;
}

const servers: ReturnType<typeof createServer>[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

async function receiver(): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received.push({ body, signature: req.headers['leadsplit-signature'] as string | undefined });
      res.writeHead(204).end();
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, received };
}

describe('notifications', () => {
  it('announce the verdict and the end of the rollout by signed webhook and by email', async () => {
    const hook = await receiver();
    const clock = manualClock();
    const app = startApp({
      clock,
      notifications: { url: hook.url, email: 'marketer@shop.example.com' },
    });
    const { body } = await app.api
      .post('/api/campaigns')
      .send(campaignBody({ testFraction: 0.5, testDurationHours: 1, autoRollout: true }))
      .expect(201);
    await app.api
      .post(`/api/campaigns/${body.id}/prospects`)
      .type('text/csv')
      .send(prospectCsv(40));
    await app.api.post(`/api/campaigns/${body.id}/launch`).expect(200);
    await app.leadsplit.worker.drain();
    clock.advance(2 * 3_600_000);

    app.leadsplit.scheduler.runDue();
    await app.leadsplit.worker.drain();
    await app.leadsplit.notifier.settled();

    const events = hook.received.map((r) => JSON.parse(r.body).event);
    expect(events).toEqual(['verdict', 'rollout_completed']);
    for (const r of hook.received) {
      const problem = checkConversionSignature(
        app.leadsplit.context.secret,
        r.signature,
        Buffer.from(r.body),
        new Date(),
      );
      expect(problem).toBeUndefined();
      expect(
        checkConversionSignature('another secret', r.signature, Buffer.from(r.body), new Date()),
      ).toBe('mismatch');
    }
    const verdict = JSON.parse(hook.received[0]!.body);
    expect(verdict).toMatchObject({
      campaignId: body.id,
      detail: { decision: { rule: 'control' } },
    });
    const written = readdirSync(join(app.dir, 'outbox', String(body.id))).length;
    const campaign = (await app.api.get(`/api/campaigns/${body.id}`)).body;
    // Every lead's email, plus the two notifications to the marketer.
    expect(written).toBe(campaign.messages.sent + 2);
  });
});
