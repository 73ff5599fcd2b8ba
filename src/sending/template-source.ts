import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const EMAIL_TEMPLATES_DIR = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../templates/emails',
);

/** The template used by a variant that names none and has no html of its own. */
export const DEFAULT_TEMPLATE = 'announcement';

const NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** The names of the email templates shipped in templates/emails. */
export function listEmailTemplates(dir = EMAIL_TEMPLATES_DIR): string[] {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.hbs'))
    .map((file) => file.slice(0, -'.hbs'.length))
    .sort();
}

/** A template's source, or undefined when there is no template of that name. */
export function readEmailTemplate(name: string, dir = EMAIL_TEMPLATES_DIR): string | undefined {
  // The name is checked before it meets the file system: no path can be smuggled in.
  if (!NAME.test(name) || !listEmailTemplates(dir).includes(name)) return undefined;
  return readFileSync(join(dir, `${name}.hbs`), 'utf8');
}
