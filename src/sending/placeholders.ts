// One email body is shared by every recipient of a batch; what differs per recipient is
// written as a placeholder that the mailer fills in (SendGrid by substitution, the outbox
// itself). A placeholder is [%name%] in the HTML part, where its value is HTML-escaped, and
// [%name|t%] in the subject and the text part, where it is not.

export const WRAP_LEFT = '[%';
export const WRAP_RIGHT = '%]';

export const placeholder = (name: string) => `${WRAP_LEFT}${name}${WRAP_RIGHT}`;

const HTML_PLACEHOLDER = /\[%([a-z0-9_]+)%\]/gi;

/** Turns the HTML placeholders of a string into their plain-text twins. */
export const toTextPlaceholders = (value: string) => value.replace(HTML_PLACEHOLDER, '[%$1|t%]');

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
  '=': '&#61;',
};

export const escapeHtml = (value: string) => value.replace(/[&<>"'`=]/g, (c) => ESCAPES[c]!);

/** The substitution table of one recipient: each value once escaped for HTML, once plain. */
export function substitutionsFor(values: Record<string, string>): Record<string, string> {
  const table: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) {
    table[name] = escapeHtml(value);
    table[`${name}|t`] = value;
  }
  return table;
}

/** Fills in placeholders: what the outbox does, and what SendGrid does on its side. */
export function fillPlaceholders(template: string, substitutions: Record<string, string>): string {
  return template.replace(/\[%([a-z0-9_]+(?:\|t)?)%\]/gi, (whole, name: string) =>
    name in substitutions ? substitutions[name]! : whole,
  );
}
