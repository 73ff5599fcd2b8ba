import { describe, expect, it } from 'vitest';
import { withToken } from '../../src/tracking/hits';

describe('withToken', () => {
  it.each([
    ['an address without a query', 'https://a.com/x', 'https://a.com/x?lsid=T'],
    ['an existing query', 'https://a.com/x?q=1', 'https://a.com/x?q=1&lsid=T'],
    ['a fragment', 'https://a.com/x#top', 'https://a.com/x?lsid=T#top'],
    ['a query and a fragment', 'https://a.com/x?q=1#top', 'https://a.com/x?q=1&lsid=T#top'],
    ['a trailing ?', 'https://a.com/x?', 'https://a.com/x?lsid=T'],
    ['a trailing &', 'https://a.com/x?q=1&', 'https://a.com/x?q=1&lsid=T'],
    ['a trailing ? before a fragment', 'https://a.com/x?#top', 'https://a.com/x?lsid=T#top'],
    [
      'a ? inside the fragment',
      'https://a.com/x#/route?tab=2',
      'https://a.com/x?lsid=T#/route?tab=2',
    ],
    ['an empty fragment', 'https://a.com/x#', 'https://a.com/x?lsid=T#'],
  ])('appends the token to %s', (_name, url, expected) => {
    expect(withToken(url, 'T')).toBe(expected);
  });

  it('percent-encodes the token', () => {
    expect(withToken('https://a.com/', 'a+b/c=')).toBe('https://a.com/?lsid=a%2Bb%2Fc%3D');
  });
});
