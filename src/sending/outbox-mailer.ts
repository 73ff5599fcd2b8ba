import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { fillPlaceholders } from './placeholders';
import type { Mailer, OutgoingBatch, SendResult } from './mailer';

const MESSAGE_FILE = /^[A-Za-z0-9_-]{22}\.eml$/;

export interface OutboxEntry {
  campaignId: number;
  messageId: string;
  size: number;
  writtenAt: string;
}

/**
 * Writes each message as an .eml file under <dir>/<campaign id>/<message id>.eml: the embedded
 * default, so leadsplit runs end to end with no mail account. A file is written under a
 * temporary name and renamed into place, so a message file exists whole or not at all, and
 * its presence is proof that the message was delivered.
 */
export class OutboxMailer implements Mailer {
  readonly name = 'outbox';
  // Writing a thousand small files takes well under a second.
  readonly timeoutMs = 10_000;
  private readonly composer = nodemailer.createTransport({
    streamTransport: true,
    buffer: true,
    newline: 'windows',
  });

  constructor(readonly dir: string) {}

  private fileOf(campaignId: number, messageId: string): string {
    return join(this.dir, String(campaignId), `${messageId}.eml`);
  }

  async send(batch: OutgoingBatch): Promise<SendResult> {
    const folder = join(this.dir, String(batch.campaignId));
    await mkdir(folder, { recursive: true });

    for (const recipient of batch.recipients) {
      const file = this.fileOf(batch.campaignId, recipient.messageId);
      if (existsSync(file)) continue;
      const fill = (text: string) => fillPlaceholders(text, recipient.substitutions);
      const { message } = await this.composer.sendMail({
        from: { name: batch.from.name ?? '', address: batch.from.email },
        to: recipient.name ? { name: recipient.name, address: recipient.email } : recipient.email,
        replyTo: batch.replyTo,
        subject: fill(batch.subject),
        html: fill(batch.html),
        text: fill(batch.text),
        headers: { ...recipient.headers, 'X-Leadsplit-Batch': batch.batchId },
        messageId: `<${recipient.messageId}@leadsplit>`,
      });
      const temporary = `${file}.${process.pid}.tmp`;
      await writeFile(temporary, message as Buffer);
      await rename(temporary, file);
    }
    return { providerMessageId: batch.batchId };
  }

  async delivered(campaignId: number, messageIds: string[]): Promise<Set<string>> {
    return new Set(messageIds.filter((id) => existsSync(this.fileOf(campaignId, id))));
  }

  /** The messages written for a campaign, newest first. */
  async list(campaignId: number): Promise<OutboxEntry[]> {
    const folder = join(this.dir, String(campaignId));
    const names = await readdir(folder).catch(() => [] as string[]);
    const entries = await Promise.all(
      names
        .filter((name) => MESSAGE_FILE.test(name))
        .map(async (name) => {
          const info = await stat(join(folder, name));
          return {
            campaignId,
            messageId: name.slice(0, -'.eml'.length),
            size: info.size,
            writtenAt: info.mtime.toISOString(),
          };
        }),
    );
    return entries.sort((a, b) => b.writtenAt.localeCompare(a.writtenAt));
  }

  /** One message file as written, or undefined; the id is checked before it meets the disk. */
  async read(campaignId: number, messageId: string): Promise<Buffer | undefined> {
    if (!MESSAGE_FILE.test(`${messageId}.eml`)) return undefined;
    return readFile(this.fileOf(campaignId, messageId)).catch(() => undefined);
  }
}
