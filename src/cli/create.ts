import { createCampaignInput, type CreateCampaignInput } from '../campaigns/input';
import { createCampaign } from '../campaigns/store';
import { AppError } from '../errors';
import type { Command } from './command';
import { readInputFile } from './files';
import { withLeadsplit } from './open';

/** Reads and checks a campaign file; every problem is named, not only the first. */
export function readCampaignFile(file: string): CreateCampaignInput {
  let body: unknown;
  try {
    body = JSON.parse(readInputFile(file).toString('utf8'));
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    throw new AppError(400, 'invalid_json', `${file} is not valid JSON: ${error.message}`);
  }

  const parsed = createCampaignInput.safeParse(body);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.') || '(the file)'}: ${issue.message}`,
    );
    throw new AppError(
      400,
      'invalid_campaign',
      `${file} is not a valid campaign (${problems.length} ` +
        `${problems.length === 1 ? 'problem' : 'problems'}): ${problems.join('; ')}`,
      { problems },
    );
  }
  return parsed.data;
}

export const create: Command = {
  name: 'create',
  args: ['<campaign.json>'],
  summary: 'Create a draft campaign from a JSON file (the body of POST /api/campaigns).',
  details:
    'The file is checked before the database is opened; every problem is listed. ' +
    'Prints the new campaign id (--json: the campaign).',
  async run({ args, config, io }) {
    const input = readCampaignFile(args[0]!);

    const campaign = await withLeadsplit(
      config,
      io,
      (leadsplit) => createCampaign(leadsplit.context, input),
      { create: true },
    );

    const variants = campaign.variants.map((v) => v.key).join(', ');
    return {
      json: campaign,
      text:
        `Created campaign ${campaign.id}: "${campaign.name}" (draft; variants ${variants}).\n` +
        `Next: leadsplit import ${campaign.id} <prospects.csv>\n`,
    };
  },
};
