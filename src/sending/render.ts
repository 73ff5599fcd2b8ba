import Handlebars from 'handlebars';
import { convert } from 'html-to-text';
import { Parser } from 'htmlparser2';
import { canonicalLinkUrl } from '../campaigns/input';
import { placeholder, toTextPlaceholders } from './placeholders';
import { DEFAULT_TEMPLATE, readEmailTemplate } from './template-source';

/** What a variant's email is made of. */
export interface VariantContent {
  key: string;
  subject: string;
  preheader: string | null;
  senderName: string | null;
  template: string | null;
  html: string | null;
}

/** What the campaign and the installation add to every variant's email. */
export interface EmailSetting {
  publicUrl: string;
  links: { key: string; url: string }[];
  postalAddress: string;
  senderName: string;
}

export interface CompiledEmail {
  /** Subject, HTML and text, with placeholders for what differs per recipient. */
  subject: string;
  html: string;
  text: string;
  /** The prospect fields the email uses: each recipient gets a value for each. */
  fields: string[];
}

/** A template that cannot become an email, with where the problem is when that is known. */
export class TemplateError extends Error {
  constructor(
    message: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(
      line === undefined
        ? message
        : `line ${line}${column === undefined ? '' : `, column ${column}`}: ${message}`,
    );
    this.name = 'TemplateError';
  }
}

/** Values the same for every recipient of a variant. */
const SHARED = new Set(['subject', 'preheader', 'sender_name', 'postal_address']);
/** Values that differ per message and are always there. */
const PER_MESSAGE = new Set(['message_id', 'unsubscribe_url']);

export const trackingUrl = (publicUrl: string, linkKey: string) =>
  `${publicUrl}/t/c/${placeholder('message_id')}/${encodeURIComponent(linkKey)}`;
export const unsubscribeUrl = (publicUrl: string) =>
  `${publicUrl}/t/u/${placeholder('message_id')}`;
const openPixelUrl = (publicUrl: string) => `${publicUrl}/t/o/${placeholder('message_id')}.gif`;

function parseTemplate(source: string): hbs.AST.Program {
  try {
    return Handlebars.parse(source);
  } catch (error) {
    const e = error as Error & { lineNumber?: number; column?: number };
    const line = e.lineNumber ?? Number(/on line (\d+)/.exec(e.message)?.[1] ?? NaN);
    const reason = (e.message.split('\n').at(-1) ?? e.message).replace(/ - \d+:\d+$/, '');
    throw new TemplateError(
      `the template does not compile (${reason.replace(/^Expecting .*, got /, 'unexpected ')})`,
      Number.isNaN(line) ? undefined : line,
      // Handlebars counts columns from 0; people and editors count from 1.
      e.column === undefined ? undefined : e.column + 1,
    );
  }
}

/** Every plain name the template reads: {{first_name}}, {{#if plan}}, (lookup city). */
function namesUsed(node: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) {
    for (const item of node) namesUsed(item, found);
  } else if (node && typeof node === 'object') {
    const n = node as { type?: string; parts?: string[]; data?: boolean; original?: string };
    if (n.type === 'PathExpression' && !n.data && n.parts?.length === 1 && n.original !== 'this') {
      found.add(n.parts[0]!);
    }
    for (const value of Object.values(node)) {
      if (value && typeof value === 'object') namesUsed(value, found);
    }
  }
  return found;
}

const lineOf = (text: string, index: number) => text.slice(0, index).split('\n').length;

/**
 * Points every link at its tracking address. A link to one of the campaign's destinations is
 * rewritten; a link anywhere else is refused unless its anchor says data-untracked, so that no
 * click goes uncounted by mistake.
 */
function trackLinks(html: string, source: string, setting: EmailSetting): string {
  const byUrl = new Map(setting.links.map((l) => [l.url, l.key]));
  // Addresses are stored in their canonical spelling (https://shop.example.com/), and an anchor
  // written as the address was typed (https://shop.example.com) still means that link.
  for (const link of setting.links) {
    const canonical = canonicalLinkUrl(link.url);
    if (canonical !== undefined && !byUrl.has(canonical)) byUrl.set(canonical, link.key);
  }
  const edits: { start: number; end: number; tag: string }[] = [];
  let problem: TemplateError | undefined;

  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (name !== 'a' || attributes.href === undefined || problem) return;
        const href = attributes.href.trim();
        const start = parser.startIndex;
        const end = parser.endIndex + 1;
        if (
          href.startsWith(`${setting.publicUrl}/t/`) ||
          /^(mailto:|tel:|#)/i.test(href) ||
          'data-untracked' in attributes
        ) {
          return;
        }
        const key = byUrl.get(href) ?? byUrl.get(canonicalLinkUrl(href) ?? '');
        if (key === undefined) {
          const at = source.indexOf(href);
          problem = new TemplateError(
            `the link "${href}" is not one of the campaign's links; add it to the campaign's` +
              ' links, or mark the anchor data-untracked',
            at === -1 ? lineOf(html, start) : lineOf(source, at),
          );
          return;
        }
        const tag = html
          .slice(start, end)
          .replace(
            /(\shref\s*=\s*)("[^"]*"|'[^']*'|[^\s>]+)/i,
            (_m, lead: string) => `${lead}"${trackingUrl(setting.publicUrl, key)}"`,
          );
        edits.push({ start, end, tag });
      },
    },
    { decodeEntities: true, lowerCaseAttributeNames: true },
  );
  parser.write(html);
  parser.end();
  if (problem) throw problem;

  let out = html;
  for (const edit of edits.reverse()) {
    out = out.slice(0, edit.start) + edit.tag + out.slice(edit.end);
  }
  return out;
}

/**
 * The keys of the links a compiled email points to, each once, in order of appearance: what
 * the recipient can click. Read from the email itself, so links written by {{link}} and
 * anchors rewritten to tracking addresses are found alike.
 */
export function linkKeysIn(html: string, publicUrl: string): string[] {
  const prefix = trackingUrl(publicUrl, '');
  const found = new Set<string>();
  for (let at = html.indexOf(prefix); at !== -1; at = html.indexOf(prefix, at + 1)) {
    const start = at + prefix.length;
    // What encodeURIComponent leaves of a key, short of the quote that may close the attribute.
    const encoded = /^[\w.!~*()%-]{1,200}/.exec(html.slice(start, start + 200))?.[0];
    if (encoded === undefined) continue;
    try {
      found.add(decodeURIComponent(encoded));
    } catch {
      // Not a key this module wrote: a hand-written address that is no tracking link.
    }
  }
  return [...found];
}

function addOpenPixel(html: string, publicUrl: string): string {
  const pixel =
    `<img src="${openPixelUrl(publicUrl)}" width="1" height="1" alt=""` +
    ` style="display:block;width:1px;height:1px;border:0" />`;
  const close = html.search(/<\/body>/i);
  return close === -1 ? html + pixel : html.slice(0, close) + pixel + html.slice(close);
}

function toPlainText(html: string): string {
  return convert(html, {
    wordwrap: 78,
    selectors: [
      { selector: 'img', format: 'skip' },
      { selector: '.preheader', format: 'skip' },
      { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
    ],
  });
}

function render(
  template: HandlebarsTemplateDelegate,
  data: Record<string, string>,
  helpers: Record<string, Handlebars.HelperDelegate>,
): string {
  try {
    return template(data, { helpers });
  } catch (error) {
    if (error instanceof TemplateError) throw error;
    const e = error as Error & { lineNumber?: number; column?: number };
    const column = e.column === undefined ? undefined : e.column + 1;
    throw new TemplateError(e.message.replace(/ - \d+:\d+$/, ''), e.lineNumber, column);
  }
}

/**
 * Turns a variant into one email for all its recipients: the template is rendered once, with
 * placeholders where per-recipient values go, links pointed at tracking addresses, an open
 * pixel added and a plain-text part derived from the HTML. Templates may print prospect fields
 * ({{first_name}}) but not branch on them, since the body is shared by the whole batch.
 */
export function compileVariant(variant: VariantContent, setting: EmailSetting): CompiledEmail {
  const source =
    variant.html ?? readEmailTemplate(variant.template ?? DEFAULT_TEMPLATE) ?? undefined;
  if (source === undefined) {
    throw new TemplateError(`there is no email template named "${variant.template}"`);
  }

  const program = parseTemplate(source);
  const subjectProgram = parseTemplate(variant.subject);
  const used = namesUsed([program, subjectProgram]);
  used.delete('link');
  const fields = [...used].filter((name) => !SHARED.has(name) && !PER_MESSAGE.has(name)).sort();

  const data: Record<string, string> = {
    subject: variant.subject,
    preheader: variant.preheader ?? '',
    sender_name: variant.senderName ?? setting.senderName,
    postal_address: setting.postalAddress,
    message_id: placeholder('message_id'),
    unsubscribe_url: unsubscribeUrl(setting.publicUrl),
  };
  for (const field of fields) data[field] = placeholder(field);
  const links = new Map(setting.links.map((l) => [l.key, l]));
  const helpers: Record<string, Handlebars.HelperDelegate> = {
    // {{link "shop"}} is the campaign's link keyed shop; a bare {{link}} is its first link.
    link(...args: unknown[]) {
      const key = args.length > 1 ? args[0] : setting.links[0]?.key;
      if (args.length === 1 && key === undefined) {
        throw new TemplateError('{{link}} needs a link, and the campaign has none');
      }
      if (typeof key !== 'string' || !links.has(key)) {
        throw new TemplateError(`{{link "${String(key)}"}} names no link of the campaign`);
      }
      return new Handlebars.SafeString(trackingUrl(setting.publicUrl, key));
    },
  };

  const subjectData = { ...data, subject: '' };
  // The subject is plain text: nothing in it is HTML-escaped.
  const subject = render(
    Handlebars.compile(subjectProgram, { noEscape: true }),
    subjectData,
    helpers,
  )
    .replace(/\s+/g, ' ')
    .trim();
  const rendered = render(Handlebars.compile(program), { ...data, subject }, helpers);
  const html = trackLinks(rendered, source, setting);

  return {
    subject: toTextPlaceholders(subject),
    html: addOpenPixel(html, setting.publicUrl),
    text: toTextPlaceholders(toPlainText(html)),
    fields,
  };
}
