import { describe, expect, it } from 'vitest';
import { fillPlaceholders, substitutionsFor } from '../../src/sending/placeholders';
import { compileVariant, TemplateError, type VariantContent } from '../../src/sending/render';

const setting = {
  publicUrl: 'https://mail.example.com/ab',
  links: [
    { key: 'shop', url: 'https://shop.example.com/spring' },
    { key: 'blog', url: 'https://blog.example.com/' },
  ],
  postalAddress: '1 Harbour Road, Portsmouth',
  senderName: 'Harbour Shop',
};

const variant = (overrides: Partial<VariantContent>): VariantContent => ({
  key: 'a',
  subject: 'Spring is here',
  preheader: null,
  senderName: null,
  template: null,
  html: null,
  ...overrides,
});

function compileError(v: VariantContent): TemplateError {
  try {
    compileVariant(v, setting);
  } catch (error) {
    if (error instanceof TemplateError) return error;
    throw error;
  }
  throw new Error('compiled without an error');
}

describe('compileVariant', () => {
  it('points campaign links at the tracking route, by helper or by address', () => {
    const email = compileVariant(
      variant({
        html: '<p><a href="{{link \'shop\'}}">Shop</a> <a href="https://blog.example.com/">Blog</a></p>',
      }),
      setting,
    );

    expect(email.html).toContain('href="https://mail.example.com/ab/t/c/[%message_id%]/shop"');
    expect(email.html).toContain('href="https://mail.example.com/ab/t/c/[%message_id%]/blog"');
    expect(email.html).not.toContain('https://blog.example.com/');
  });

  it('refuses a link that is not the campaign’s, naming its line', () => {
    const error = compileError(
      variant({ html: '<p>Hello</p>\n<p>\n<a href="https://elsewhere.example.net">x</a></p>' }),
    );

    expect(error.line).toBe(3);
    expect(error.message).toContain('https://elsewhere.example.net');
  });

  it('keeps a link marked data-untracked, and mailto links, as they are', () => {
    const email = compileVariant(
      variant({
        html:
          '<a data-untracked href="https://elsewhere.example.net">x</a>' +
          '<a href="mailto:help@example.com">mail</a>',
      }),
      setting,
    );
    expect(email.html).toContain('href="https://elsewhere.example.net"');
    expect(email.html).toContain('href="mailto:help@example.com"');
  });

  it('names the line and column of a template that does not compile', () => {
    const error = compileError(variant({ html: '<p>\n\n{{#each items}}x{{/if}}' }));
    expect(error.line).toBe(3);
    expect(error.column).toBe(4);
    expect(compileError(variant({ html: '<p>\n{{#if x}}<b>{{y}</b>' })).line).toBe(2);
  });

  it('refuses an unknown template name and a link helper naming no link', () => {
    expect(compileError(variant({ template: 'no-such-template' })).message).toContain(
      'no email template named "no-such-template"',
    );
    expect(compileError(variant({ html: '<a href="{{link \'nope\'}}">x</a>' })).message).toContain(
      'names no link',
    );
  });

  it('adds an open pixel, a plain-text part and per-recipient placeholders', () => {
    const email = compileVariant(
      variant({
        subject: 'Hi {{first_name}}, spring & more',
        html: '<html><body><p>Dear {{first_name}} from {{city}}</p><a href="{{link}}">Go</a></body></html>',
      }),
      setting,
    );

    expect(email.fields).toEqual(['city', 'first_name']);
    expect(email.subject).toBe('Hi [%first_name|t%], spring & more');
    expect(email.html).toMatch(
      /<img src="https:\/\/mail.example.com\/ab\/t\/o\/\[%message_id%\]\.gif"[^>]*><\/body>/,
    );
    expect(email.text).toContain('Dear [%first_name|t%] from [%city|t%]');
    expect(email.text).toContain('https://mail.example.com/ab/t/c/[%message_id|t%]/shop');
  });

  it('escapes recipient values in HTML but not in the subject or text', () => {
    const email = compileVariant(
      variant({ subject: 'For {{first_name}}', html: '<p>{{first_name}}</p>' }),
      setting,
    );
    const values = substitutionsFor({ first_name: '<b>Ann & Co</b>', message_id: 'm' });

    expect(fillPlaceholders(email.html, values)).toContain(
      '<p>&lt;b&gt;Ann &amp; Co&lt;/b&gt;</p>',
    );
    expect(fillPlaceholders(email.subject, values)).toBe('For <b>Ann & Co</b>');
    expect(fillPlaceholders(email.text, values)).toContain('<b>Ann & Co</b>');
  });

  it.each(['announcement', 'offer'])(
    'renders the shipped %s template with footer, preheader and unsubscribe link',
    (template) => {
      const email = compileVariant(
        variant({ template, preheader: 'A short teaser', senderName: 'Harbour & Sons' }),
        setting,
      );

      expect(email.html).toContain('A short teaser');
      expect(email.html).toContain('Harbour &amp; Sons');
      expect(email.html).toContain('1 Harbour Road, Portsmouth');
      expect(email.html).toContain('https://mail.example.com/ab/t/u/[%message_id%]');
      expect(email.html).toContain('/t/c/[%message_id%]/shop');
      expect(email.html).toMatch(/<table role="presentation"/);
      expect(email.text).not.toContain('A short teaser');
      expect(email.fields).toEqual(['first_name']);
    },
  );
});
