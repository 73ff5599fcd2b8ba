import { describe, expect, it } from 'vitest';
import { networkHasher, networkOf } from '../../src/tracking/network';

describe('networkOf', () => {
  it.each<[string | undefined, string | null]>([
    ['192.0.2.17', '192.0.2.0/24'],
    ['::ffff:192.0.2.17', '192.0.2.0/24'],
    ['::FFFF:c000:0211', '192.0.2.0/24'],
    ['64:ff9b::192.0.2.17', '192.0.2.0/24'],
    ['2001:db8::1', '2001:db8:0::/48'],
    ['2001:0DB8:0000:0001:0000:0000:0000:0001', '2001:db8:0::/48'],
    ['2001:db8:abcd:12::1', '2001:db8:abcd::/48'],
    ['2001::1', '2001:0:0::/48'],
    ['::1', '0:0:0::/48'],
    ['::', '0:0:0::/48'],
    ['fe80::1%eth0', 'fe80:0:0::/48'],
    ['2001:db8:1:2:3:4:192.0.2.1', '2001:db8:1::/48'],
    ['2001:db8:1::192.0.2.1', '2001:db8:1::/48'],
    [undefined, null],
    ['', null],
    ['localhost', null],
    ['192.0.2.256', null],
    ['192.0.2', null],
    ['1::2::3', null],
    ['1:2:3:4:5:6:7:8:9', null],
    ['1:2:3:4:5:6:7', null],
    ['1:2:3:4:5:6:7::8', null],
    ['12345::1', null],
    ['::ffff:192.0.2', null],
    ['g::1', null],
  ])('puts %j in %j', (ip, network) => {
    expect(networkOf(ip)).toBe(network);
  });
});

describe('networkHasher', () => {
  const hash = networkHasher('installation secret');

  it.each([
    ['2001:db8::1', '2001:db8:0:1::1'],
    ['2001::1', '2001::2'],
    ['2001:db8::1', '2001:0db8:0000:ffff:ffff:ffff:ffff:ffff'],
    ['2001:DB8:A::1', '2001:db8:a:b::2'],
    ['fe80::1%eth0', 'fe80::2%en1'],
    ['192.0.2.1', '192.0.2.254'],
    ['192.0.2.1', '::ffff:192.0.2.99'],
    ['192.0.2.1', '::ffff:c000:02ff'],
  ])('hashes %s and %s alike', (a, b) => {
    expect(hash(a)).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(hash(a)).toBe(hash(b));
  });

  it.each([
    ['2001:db8::1', '2001:db8:1::1'],
    ['2001:db8::1', '2001:db9::1'],
    ['2001::1', '2002::1'],
    ['1::', '::1'],
    ['192.0.2.1', '192.0.3.1'],
    ['::ffff:192.0.2.1', '::ffff:192.0.3.1'],
    ['192.0.2.1', 'c000:200::1'],
  ])('hashes %s and %s apart', (a, b) => {
    expect(hash(a)).not.toBe(hash(b));
  });

  it('hashes the same network apart under another secret, and no address at all to null', () => {
    expect(networkHasher('another secret')('192.0.2.1')).not.toBe(hash('192.0.2.1'));
    expect(hash(undefined)).toBeNull();
    expect(hash('not an address')).toBeNull();
  });
});
