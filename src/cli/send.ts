import type { Command } from './command';
import { withLeadsplit } from './open';
import { describeSend, sendQueue } from './send-queue';

export const send: Command = {
  name: 'send',
  args: [],
  summary: 'Send every email that is due, through the configured mailer.',
  details:
    'For when no server runs: after launch, rollout or an import into a running campaign. ' +
    'Sends at LEADSPLIT_SEND_RATE; Ctrl-C stops after the batch on its way.',
  async run({ config, io }) {
    const summary = await withLeadsplit(config, io, (leadsplit) =>
      sendQueue(leadsplit, config.sendRate, io),
    );
    return { json: summary, text: describeSend(summary) + '\n' };
  },
};
