// Importing and enrolling a million prospects, against a raw prepared insert of the same rows.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import pino from 'pino';
import { launchCampaign } from '../src/campaigns/launch';
import { createCampaignInput } from '../src/campaigns/input';
import { createCampaign } from '../src/campaigns/store';
import { createLeadsplit } from '../src/index';
import { parseProspectCsv } from '../src/prospects/csv';
import { importProspects } from '../src/prospects/import';

const ROWS = 1_000_000;

function makeCsv(): Buffer {
  const lines = ['email,first_name,last_name,external_id,source'];
  for (let i = 0; i < ROWS; i++) {
    lines.push(`lead${i}@example.com,First${i},Last${i},crm-${i},${i % 3 ? 'ads' : 'newsletter'}`);
  }
  return Buffer.from(lines.join('\n') + '\n');
}

function open(dir: string, name: string) {
  return createLeadsplit({
    database: join(dir, name),
    publicUrl: 'http://localhost:3000',
    apiKey: 'bench-key-0123456789abcdefghij',
    logger: pino({ level: 'silent' }),
  });
}

const perSecond = (count: number, ms: number) => Math.round(count / (ms / 1000));

export default async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'leadsplit-bench-'));
  try {
    const csv = makeCsv();
    console.log(
      `${ROWS.toLocaleString('en')} prospects, ${(csv.length / 1e6).toFixed(1)} MB of CSV`,
    );

    // Baseline: the same rows through one prepared INSERT in one transaction, no parsing.
    const raw = open(dir, 'raw.db');
    const rows = csv
      .toString()
      .trimEnd()
      .split('\n')
      .slice(1)
      .map((line) => line.split(','));
    const insert = raw.context.sqlite.prepare(
      `INSERT INTO prospects (email, first_name, last_name, external_id, source, attributes, created_at)
       VALUES (?, ?, ?, ?, ?, NULL, ?)`,
    );
    let start = performance.now();
    raw.context.sqlite.transaction(() => {
      for (const r of rows) insert.run(r[0], r[1], r[2], r[3], r[4], 0);
    })();
    const rawMs = performance.now() - start;
    await raw.close();

    // The real path: streaming CSV parse, validation, dedup, prospects and the campaign list.
    const app = open(dir, 'import.db');
    const campaign = createCampaign(
      app.context,
      createCampaignInput.parse({
        name: 'bench',
        goal: 'purchase',
        testFraction: 0.2,
        variants: ['a', 'b', 'c', 'd'].map((key) => ({ key, name: key, subject: key })),
        links: [{ key: 'shop', url: 'https://shop.example.com/' }],
      }),
    );
    start = performance.now();
    const upload = await parseProspectCsv(Readable.from([csv]), csv.length + 1);
    const summary = importProspects(app.context, campaign.id, upload);
    const importMs = performance.now() - start;
    if (summary.imported !== ROWS) throw new Error(`imported ${summary.imported}, not ${ROWS}`);

    start = performance.now();
    const launched = launchCampaign(app.context, campaign.id);
    const enrollMs = performance.now() - start;
    await app.close();

    const rawRate = perSecond(ROWS, rawMs);
    const importRate = perSecond(ROWS, importMs);
    console.log(`raw prepared insert   ${rawRate.toLocaleString('en')} rows/s (baseline)`);
    console.log(
      `CSV import            ${importRate.toLocaleString('en')} rows/s` +
        `  ratio ${(importRate / rawRate).toFixed(2)} (target >= 0.33)`,
    );
    console.log(
      `enrolment at launch   ${perSecond(ROWS, enrollMs).toLocaleString('en')} rows/s` +
        `  (${launched.enrolled.test.toLocaleString('en')} test leads queued,` +
        ` ${launched.enrolled.remainder.toLocaleString('en')} held back)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
