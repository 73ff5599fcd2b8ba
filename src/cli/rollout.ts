import { rolloutCampaign } from '../campaigns/rollout';
import { getCampaign } from '../campaigns/store';
import { AppError } from '../errors';
import { campaignIdArg, flag, stringOption, type Command } from './command';
import { count } from './format';
import { SEND_OPTION } from './launch';
import { withLeadsplit } from './open';
import { describeSend, sendQueue } from './send-queue';

/** rolloutCampaign, its advice about naming a variant put in the command line's words. */
function rollOut(...[ctx, campaignId, variant]: Parameters<typeof rolloutCampaign>) {
  try {
    return rolloutCampaign(ctx, campaignId, variant);
  } catch (error) {
    if (!(error instanceof AppError) || error.code !== 'no_winner') throw error;
    throw new AppError(
      409,
      'no_winner',
      `No variant of campaign ${campaignId} has won yet. Wait for the verdict ` +
        `(leadsplit report ${campaignId}), or name the variant to send: --variant <key>.`,
    );
  }
}

export const rollout: Command = {
  name: 'rollout',
  args: ['<campaign id>'],
  summary: 'Send one variant to the rest of the list: the winner, or the one named.',
  details:
    'A campaign still testing is decided first. Without a winner and without --variant the ' +
    'rollout is refused (exit 5). The campaign completes once the last email is sent.',
  options: {
    variant: {
      type: 'string',
      value: 'key',
      description: 'the variant to send (default: the winner)',
    },
    send: SEND_OPTION,
  },
  async run(input) {
    const campaignId = campaignIdArg(input.args[0]);
    const { config, io } = input;

    const result = await withLeadsplit(config, io, async (leadsplit) => {
      const rolled = rollOut(leadsplit.context, campaignId, stringOption(input, 'variant'));
      if (!flag(input, 'send')) return { ...rolled, sending: undefined };
      const sending = await sendQueue(leadsplit, config.sendRate, io);
      return { ...rolled, campaign: getCampaign(leadsplit.context, campaignId), sending };
    });

    const lines = [
      `Rolling out variant ${result.variant} of campaign ${campaignId}: ` +
        `${count(result.queued)} emails queued for the rest of the list.`,
    ];
    if (result.sending) lines.push(describeSend(result.sending));
    else if (result.queued > 0) lines.push('`leadsplit send` sends them.');
    lines.push(`The campaign is ${result.campaign.status.replace('_', ' ')}.`);
    return { json: result, text: lines.join('\n') + '\n' };
  },
};
