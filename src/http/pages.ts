import Handlebars from 'handlebars';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PAGES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../templates/pages');
const compiled = new Map<string, HandlebarsTemplateDelegate>();

/** Renders templates/pages/<name>.hbs; Handlebars escapes every value it prints. */
export function renderPage(name: string, data: Record<string, unknown>): string {
  let template = compiled.get(name);
  if (!template) {
    template = Handlebars.compile(readFileSync(join(PAGES_DIR, `${name}.hbs`), 'utf8'), {
      strict: false,
    });
    compiled.set(name, template);
  }
  return template(data);
}
