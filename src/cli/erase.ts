import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ERASED_TABLES, eraseProspect, type Erasure } from '../prospects/erase';
import { OutboxMailer } from '../sending/outbox-mailer';
import type { Mailer } from '../sending/mailer';
import type { Command } from './command';
import { count, table } from './format';
import { withLeadsplit } from './open';

/** The outbox keeps a copy of every email it wrote: those of the erased prospect go too. */
function removeOutboxCopies(mailer: Mailer, messages: Erasure['messages']): number {
  if (!(mailer instanceof OutboxMailer)) return 0;
  let removed = 0;
  for (const message of messages) {
    // The outbox's layout: <dir>/<campaign id>/<message id>.eml
    const file = join(mailer.dir, String(message.campaignId), `${message.id}.eml`);
    if (!existsSync(file)) continue;
    rmSync(file);
    removed++;
  }
  return removed;
}

function describeErasure(erasure: Erasure, outboxFiles: number): string {
  // The prospect first, then what hung from it.
  const rows = [...ERASED_TABLES].reverse().map((t) => [t, count(erasure.removed[t])]);
  rows.push(['outbox files', count(outboxFiles)]);
  const lines = [
    `Erased ${erasure.email}.`,
    '',
    table(['removed from', 'rows'], rows, [false, true]),
    '',
    erasure.campaigns.length > 0
      ? `Funnel counts rebuilt for campaign ${erasure.campaigns.join(', ')}.`
      : 'The prospect was in no campaign.',
  ];
  if (erasure.suppressionKept) {
    lines.push(
      `The prospect was ${erasure.status}: a hash of the address is kept, so that importing ` +
        'it again adds it as suppressed and emails nobody.',
    );
  }
  return lines.join('\n') + '\n';
}

export const erase: Command = {
  name: 'erase',
  args: ['<email>'],
  summary: 'Remove every trace of one prospect (a privacy request), and rebuild the counts.',
  details:
    'Deletes the prospect, its place on campaign lists, enrollments, emails and their ' +
    'events, webhook deliveries, conversions and conversion receipts, and the outbox copies ' +
    'of its emails; then recounts the funnel of every campaign it was in. Exit 4 when ' +
    'nothing is known about the address.',
  async run({ args, config, io }) {
    const { erasure, outboxFiles } = await withLeadsplit(config, io, (leadsplit) => {
      const erasure = eraseProspect(leadsplit.context, args[0]!);
      return { erasure, outboxFiles: removeOutboxCopies(leadsplit.mailer, erasure.messages) };
    });

    const { messages: _ids, ...rest } = erasure;
    return {
      json: { ...rest, removed: { ...erasure.removed, outbox_files: outboxFiles } },
      text: describeErasure(erasure, outboxFiles),
    };
  },
};
