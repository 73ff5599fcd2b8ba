// 100,000 messages through the send queue and the real @sendgrid/mail client to a fake
// SendGrid on loopback, against bare fetch POSTs of the same request bodies.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { launchCampaign } from '../src/campaigns/launch';
import { createCampaignInput } from '../src/campaigns/input';
import { createCampaign } from '../src/campaigns/store';
import { createLeadsplit } from '../src/index';
import { parseProspectJson } from '../src/prospects/json';
import { importProspects } from '../src/prospects/import';
import { SendGridMailer } from '../src/sending/sendgrid-mailer';
import { startFakeSendgrid } from '../test/support/fake-sendgrid';

const MESSAGES = 100_000;
const KEY = 'SG.bench-key';

export default async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'leadsplit-bench-'));
  const fake = await startFakeSendgrid({ apiKey: KEY });
  try {
    const mailer = new SendGridMailer({ apiKey: KEY, apiUrl: fake.url });
    const app = createLeadsplit({
      database: join(dir, 'send.db'),
      publicUrl: 'https://mail.example.com',
      apiKey: 'bench-key-0123456789abcdefghij',
      logger: pino({ level: 'silent' }),
      mailer,
      sendWorker: false,
      sender: { email: 'news@shop.example.com', name: 'Shop', postalAddress: '1 Quay Road' },
    });
    const campaign = createCampaign(
      app.context,
      createCampaignInput.parse({
        name: 'bench',
        goal: 'purchase',
        testFraction: 1,
        variants: [
          { key: 'a', name: 'A', subject: 'Hello {{first_name}}', template: 'announcement' },
          { key: 'b', name: 'B', subject: 'Offer for {{first_name}}', template: 'offer' },
        ],
        links: [{ key: 'shop', url: 'https://shop.example.com/' }],
      }),
    );
    const prospects = Array.from({ length: MESSAGES }, (_, i) => ({
      email: `lead${i}@example.com`,
      first_name: `Lead ${i}`,
    }));
    importProspects(app.context, campaign.id, parseProspectJson(prospects));
    launchCampaign(app.context, campaign.id);

    let start = performance.now();
    const sent = await app.worker.drain();
    const queueMs = performance.now() - start;
    const requests = fake.requests.length;
    const perVariant = app.context.sqlite
      .prepare('SELECT count(*) FROM messages GROUP BY variant_id')
      .pluck()
      .all() as number[];
    const fewest = perVariant.reduce((sum, n) => sum + Math.ceil(n / 1000), 0);
    const bodies = fake.requests.map((r) => JSON.stringify(r.body));
    await app.close();

    // Baseline: the same bodies, POSTed one after another with fetch, nothing else.
    start = performance.now();
    for (const body of bodies) {
      const res = await fetch(`${fake.url}/v3/mail/send`, {
        method: 'POST',
        headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
        body,
      });
      if (res.status !== 202) throw new Error(`baseline answered ${res.status}`);
    }
    const fetchMs = performance.now() - start;

    const rate = (ms: number) => Math.round(sent / (ms / 1000));
    console.log(
      `${sent.toLocaleString('en')} messages in ${requests} requests (target <= 100; the fewest` +
        ` for this split of ${perVariant.map((n) => n.toLocaleString('en')).join(' + ')}` +
        ` into one-variant requests of 1,000 is ${fewest})`,
    );
    console.log(
      `bare fetch of the same bodies   ${rate(fetchMs).toLocaleString('en')} messages/s (baseline)`,
    );
    console.log(
      `send queue + @sendgrid/mail     ${rate(queueMs).toLocaleString('en')} messages/s` +
        `  ratio ${(fetchMs / queueMs).toFixed(2)} (target >= 5,000 messages/s)`,
    );
  } finally {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
