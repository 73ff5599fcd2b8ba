import { existsSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createCampaignInput } from '../../src/campaigns/input';
import { createCampaign } from '../../src/campaigns/store';
import { parseProspectCsv } from '../../src/prospects/csv';
import { importProspects } from '../../src/prospects/import';
import { prospectCsv } from '../helpers';
import { campaignJson, cliSandbox, type Sandbox } from './cli-process';

/** A sandbox of the test's own (the tests run side by side), removed when it finishes. */
function sandboxForTest(): Sandbox {
  const sandbox = cliSandbox();
  onTestFinished(() => sandbox.remove());
  return sandbox;
}

/** A draft campaign with `prospects` on its list, made in this process. */
function draftCampaign(sandbox: Sandbox, prospects = 0): Promise<number> {
  return sandbox.inProcess(async ({ context }) => {
    const { id } = createCampaign(context, createCampaignInput.parse(JSON.parse(campaignJson())));
    if (prospects > 0) {
      const csv = Readable.from([Buffer.from(prospectCsv(prospects))]);
      importProspects(context, id, await parseProspectCsv(csv, 1e6));
    }
    return id;
  });
}

describe.concurrent('the exit codes of leadsplit', () => {
  it('exits 0 for --help, which lists the commands and the exit codes', async () => {
    const result = await sandboxForTest().run('--help');

    expect(result.status).toBe(0);
    expect(result.stdout).toContain('rollout <campaign id>');
    expect(result.stdout).toMatch(/^ {2}4 {2}not found/m);
  });

  it('exits 2 for an unknown command', async () => {
    const result = await sandboxForTest().run('frobnicate');

    expect(result.status).toBe(2);
    expect(result.stderr).toBe('leadsplit: unknown command "frobnicate" (see leadsplit --help)\n');
  });

  it('exits 3 for a campaign file that fails validation, naming every problem', async () => {
    const sandbox = sandboxForTest();
    const file = sandbox.file(
      'campaign.json',
      campaignJson({ testFraction: 2, variants: [{ key: 'a', name: 'Only', subject: 'Hi' }] }),
    );

    const result = await sandbox.run('create', file, '--json');

    expect(result.status).toBe(3);
    expect(result.stdout).toBe('');
    const { error } = JSON.parse(result.stderr) as {
      error: { code: string; details: { problems: string[] } };
    };
    expect(error.code).toBe('invalid_campaign');
    expect(error.details.problems).toEqual([
      'testFraction: must be at most 1 (the whole list)',
      'variants: a campaign needs at least 2 variants',
    ]);
    // Checked before the database is opened: nothing was made.
    expect(existsSync(sandbox.dbFile)).toBe(false);
  });

  it('exits 3 for a campaign file that is not JSON', async () => {
    const sandbox = sandboxForTest();

    const result = await sandbox.run('create', sandbox.file('campaign.json', '{ "name": '));

    expect(result.status).toBe(3);
    expect(result.stderr).toMatch(/^leadsplit: .*campaign\.json is not valid JSON/);
  });

  it('exits 4 for an unknown campaign', async () => {
    const sandbox = sandboxForTest();
    await draftCampaign(sandbox);

    const result = await sandbox.run('report', '99');

    expect(result.status).toBe(4);
    expect(result.stderr).toBe('leadsplit: Campaign 99 was not found.\n');
  });

  it('exits 4 for a database that does not exist, rather than making an empty one', async () => {
    const sandbox = sandboxForTest();

    const result = await sandbox.run('report', '1', '--database', 'elsewhere.db');

    expect(result.status).toBe(4);
    expect(result.stderr).toContain('The database elsewhere.db');
    expect(existsSync(`${sandbox.dir}/elsewhere.db`)).toBe(false);
  });

  it('exits 0 for launching a campaign that is already running', async () => {
    const sandbox = sandboxForTest();
    const id = await draftCampaign(sandbox, 20);

    const first = await sandbox.run('launch', String(id));
    const second = await sandbox.run('launch', String(id));

    expect([first.status, second.status]).toEqual([0, 0]);
    expect(first.stdout).toMatch(/^Launched campaign/);
    expect(second.stdout).toContain(`Campaign ${id} is already testing; nothing changed.`);
  });

  it('exits 5 for rolling out a campaign that was never launched', async () => {
    const sandbox = sandboxForTest();
    const id = await draftCampaign(sandbox);

    const result = await sandbox.run('rollout', String(id), '--variant', 'b', '--json');

    expect(result.status).toBe(5);
    expect(JSON.parse(result.stderr)).toMatchObject({ error: { code: 'illegal_transition' } });
  });
});
