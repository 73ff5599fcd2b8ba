import type { Command } from './command';
import { withLeadsplit } from './open';
import { describeSend, sendQueue } from './send-queue';

export const send: Command = {
  name: 'send',
  args: [],
  summary: 'Run the jobs that are due (deciding tests), then send every email that is due.',
  details:
    'For when no server runs: after launch, rollout or an import into a running campaign, or ' +
    'from a timer to decide and roll out tests as the server would. ' +
    'Sends at LEADSPLIT_SEND_RATE; Ctrl-C stops after the batch on its way.',
  async run({ config, io }) {
    const summary = await withLeadsplit(config, io, (leadsplit) => {
      // What a server's scheduler would do: decide the tests whose time has come.
      leadsplit.scheduler.runDue();
      return sendQueue(leadsplit, config.sendRate, io);
    });
    return { json: summary, text: describeSend(summary) + '\n' };
  },
};
