import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { openDatabase } from '../db';
import { conflict } from '../errors';
import { flag, type Command } from './command';
import { requireDatabaseFile } from './open';

export const backup: Command = {
  name: 'backup',
  args: ['<file>'],
  summary: 'Copy the live database to a file, consistent even while a server writes to it.',
  details:
    "SQLite's online backup: the copy is the database as it was at one moment. It is written " +
    'under a temporary name and renamed into place, so the file is whole or absent. An ' +
    'existing file is left alone (exit 5) unless --force.',
  options: { force: { type: 'boolean', description: 'replace the file if it exists' } },
  async run(input) {
    const source = input.config.database;
    const target = resolve(input.args[0]!);
    requireDatabaseFile(source);
    if (existsSync(target) && !flag(input, 'force')) {
      throw conflict('file_exists', `${target} already exists; add --force to replace it.`);
    }

    mkdirSync(dirname(target), { recursive: true });
    const temporary = `${target}.${process.pid}.tmp`;
    const { sqlite } = openDatabase(source);
    try {
      await sqlite.backup(temporary);
      renameSync(temporary, target);
    } finally {
      sqlite.close();
      rmSync(temporary, { force: true });
    }

    const bytes = statSync(target).size;
    return {
      json: { database: source, file: target, bytes },
      text: `Backed up ${source} to ${target} (${(bytes / 1024 / 1024).toFixed(1)} MiB).\n`,
    };
  },
};
