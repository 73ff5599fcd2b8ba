import { launchCampaign } from '../campaigns/launch';
import { campaignIdArg, flag, type Command } from './command';
import { count } from './format';
import { withLeadsplit } from './open';
import { describeSend, sendQueue } from './send-queue';

export const SEND_OPTION = {
  type: 'boolean',
  description: 'then send the queue through the configured mailer (progress on stderr)',
} as const;

export const launch: Command = {
  name: 'launch',
  args: ['<campaign id>'],
  summary: 'Start the test: enroll the list and queue one email per test prospect.',
  details:
    'Launching a campaign that is already running changes nothing. Without --send the ' +
    'emails wait in the queue for `leadsplit send` or a running server. --send sends ' +
    "everything that is due, other campaigns' emails included.",
  options: { send: SEND_OPTION },
  async run(input) {
    const campaignId = campaignIdArg(input.args[0]);
    const { config, io } = input;

    const { launched, sending } = await withLeadsplit(config, io, async (leadsplit) => {
      const launched = launchCampaign(leadsplit.context, campaignId);
      const sending = flag(input, 'send')
        ? await sendQueue(leadsplit, config.sendRate, io)
        : undefined;
      return { launched, sending };
    });

    const { campaign, enrolled } = launched;
    const held = enrolled.holdout > 0 ? `, ${count(enrolled.holdout)} held out of every email` : '';
    const lines =
      enrolled.test > 0
        ? [
            `Launched campaign ${campaign.id} "${campaign.name}": ${count(enrolled.test)} ` +
              `prospects in the test (one email each), ${count(enrolled.remainder)} held ` +
              `back for the rollout${held}.`,
          ]
        : [`Campaign ${campaign.id} is already ${campaign.status}; nothing changed.`];
    if (sending) lines.push(describeSend(sending));
    else if (campaign.messages.queued > 0) {
      lines.push(
        `${count(campaign.messages.queued)} emails queued: \`leadsplit send\` sends them.`,
      );
    }
    return { json: { ...launched, sending }, text: lines.join('\n') + '\n' };
  },
};
