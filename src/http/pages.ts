import Handlebars from 'handlebars';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PAGES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../templates/pages');

// A Handlebars of its own, so the pages' partials and helpers do not leak into email templates.
const pages = Handlebars.create();

const percentFormat = new Intl.NumberFormat('en', {
  style: 'percent',
  minimumFractionDigits: 1,
  maximumFractionDigits: 1,
});
const numberFormat = new Intl.NumberFormat('en');
const moneyFormat = new Intl.NumberFormat('en', { maximumFractionDigits: 2 });

const isNumber = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value);

pages.registerHelper({
  /** 0.2 -> "20.0 %" */
  percent: (value: unknown) =>
    isNumber(value) ? percentFormat.format(value).replace('%', ' %') : '–',
  /** A signed difference in percentage points: 0.013 -> "+1.3 pts" */
  points: (value: unknown) =>
    isNumber(value)
      ? `${value > 0 ? '+' : value < 0 ? '−' : '±'}${Math.abs(value * 100).toFixed(1)} pts`
      : '–',
  /** 1204 -> "1,204" */
  number: (value: unknown) => (isNumber(value) ? numberFormat.format(value) : '–'),
  money: (value: unknown) => (isNumber(value) ? moneyFormat.format(value) : '–'),
  /** A p-value for people: "< 0.001" rather than 3.2e-7. */
  pvalue: (value: unknown) =>
    isNumber(value) ? (value < 0.001 ? '<\u00a00.001' : value.toFixed(3)) : '–',
  eq: (a: unknown, b: unknown) => a === b,
  inc: (value: unknown) => (isNumber(value) ? value + 1 : value),
  json: (value: unknown) =>
    new Handlebars.SafeString(JSON.stringify(value).replace(/</g, '\\u003c')),
});

for (const file of readdirSync(join(PAGES_DIR, 'partials'))) {
  if (file.endsWith('.hbs')) {
    pages.registerPartial(
      file.slice(0, -'.hbs'.length),
      readFileSync(join(PAGES_DIR, 'partials', file), 'utf8'),
    );
  }
}

const compiled = new Map<string, HandlebarsTemplateDelegate>();

/** Renders templates/pages/<name>.hbs; Handlebars escapes every value it prints. */
export function renderPage(name: string, data: Record<string, unknown>): string {
  let template = compiled.get(name);
  if (!template) {
    template = pages.compile(readFileSync(join(PAGES_DIR, `${name}.hbs`), 'utf8'), {
      strict: false,
    });
    compiled.set(name, template);
  }
  return template(data);
}
