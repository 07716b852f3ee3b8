import { BlockList } from 'node:net';
import { describe, expect, it } from 'vitest';
import { cidrContains, parseAddress, parseCidr } from '../../../src/main/core/checks/cidr';

const inside = (cidr: string, address: string): boolean => {
  const c = parseCidr(cidr);
  const a = parseAddress(address);
  if (c === undefined || a === undefined) throw new Error(`unparsable ${cidr} / ${address}`);
  return cidrContains(c, a);
};

describe('CIDR math', () => {
  it('matches IPv4 addresses at the edges of a range', () => {
    expect(inside('10.8.0.0/16', '10.8.0.0')).toBe(true);
    expect(inside('10.8.0.0/16', '10.8.255.255')).toBe(true);
    expect(inside('10.8.0.0/16', '10.9.0.0')).toBe(false);
    expect(inside('10.8.0.0/16', '10.7.255.255')).toBe(false);
    expect(inside('192.168.1.128/25', '192.168.1.127')).toBe(false);
    expect(inside('192.168.1.128/25', '192.168.1.200')).toBe(true);
  });

  it('treats /0 as everything, /32 and a bare address as one host', () => {
    expect(inside('0.0.0.0/0', '203.0.113.9')).toBe(true);
    expect(inside('10.1.2.3/32', '10.1.2.3')).toBe(true);
    expect(inside('10.1.2.3/32', '10.1.2.4')).toBe(false);
    expect(inside('10.1.2.3', '10.1.2.3')).toBe(true);
  });

  it('clears host bits in the network address as routers do', () => {
    expect(parseCidr('10.8.1.7/16')?.network).toBe(parseAddress('10.8.0.0')?.value);
    expect(inside('10.8.1.7/16', '10.8.200.1')).toBe(true);
  });

  it('parses IPv6 with :: compression, zone ids and dotted tails', () => {
    expect(parseAddress('::')?.value).toBe(0n);
    expect(parseAddress('::1')?.value).toBe(1n);
    expect(parseAddress('fd00:8::1')).toEqual(parseAddress('fd00:0008:0:0:0:0:0:0001'));
    expect(parseAddress('fe80::1%en0')).toEqual(parseAddress('fe80::1'));
    expect(parseAddress('::ffff:10.0.0.1')?.value).toBe(0xffff0a000001n);
    expect(parseAddress('1:2:3:4:5:6:7::')?.value).toBe(0x0001000200030004000500060007_0000n);
  });

  it('matches IPv6 ranges and never mixes families', () => {
    expect(inside('fd00:8::/48', 'fd00:8:0:ffff::1')).toBe(true);
    expect(inside('fd00:8::/48', 'fd00:9::1')).toBe(false);
    expect(inside('fe80::/10', 'febf::1')).toBe(true);
    expect(inside('fe80::/10', 'fec0::1')).toBe(false);
    expect(inside('::/0', '2001:db8::1')).toBe(true);
    expect(inside('::/0', '10.0.0.1')).toBe(false);
    expect(inside('0.0.0.0/0', '2001:db8::1')).toBe(false);
  });

  it('compares an IPv4-mapped IPv6 address as the IPv4 address it carries', () => {
    expect(inside('10.8.0.0/16', '::ffff:10.8.3.4')).toBe(true);
    expect(inside('10.8.0.0/16', '::ffff:10.9.3.4')).toBe(false);
  });

  it('rejects malformed addresses and CIDRs', () => {
    for (const bad of [
      '',
      '10.8.0',
      '10.8.0.256',
      '10.8.0.0.1',
      '1.2.3.-1',
      'a.b.c.d',
      '1:2:3:4:5:6:7:8:9',
      '1::2::3',
      ':::',
      '12345::',
      'g::1',
      '::ffff:1.2.3',
    ]) {
      expect(parseAddress(bad), bad).toBeUndefined();
    }
    for (const bad of [
      '10.8.0.0/33',
      '10.8.0.0/-1',
      '10.8.0.0/',
      'fd00::/129',
      'fd00::/x',
      '10.8.0.0/16/2',
      'vpn',
    ]) {
      expect(parseCidr(bad), bad).toBeUndefined();
    }
  });

  it('agrees with node:net BlockList on a sweep of addresses and prefixes', () => {
    const v4 = [
      '10.8.0.0',
      '10.8.255.1',
      '172.16.5.4',
      '192.168.0.1',
      '0.0.0.0',
      '255.255.255.255',
    ];
    const v6 = ['fd00:8::1', 'fd00:8:ffff::', '2001:db8::1', 'fe80::abcd', '::1', 'ffff::'];
    for (const prefix of [0, 1, 7, 8, 12, 16, 23, 24, 31, 32]) {
      for (const net of v4) {
        const list = new BlockList();
        const cidr = parseCidr(`${net}/${prefix}`);
        if (cidr === undefined) throw new Error('unparsable');
        list.addSubnet(net, prefix, 'ipv4');
        for (const address of v4) {
          expect(inside(`${net}/${prefix}`, address), `${address} in ${net}/${prefix}`).toBe(
            list.check(address, 'ipv4'),
          );
        }
      }
    }
    for (const prefix of [0, 1, 10, 16, 32, 48, 64, 127, 128]) {
      for (const net of v6) {
        const list = new BlockList();
        list.addSubnet(net, prefix, 'ipv6');
        for (const address of v6) {
          expect(inside(`${net}/${prefix}`, address), `${address} in ${net}/${prefix}`).toBe(
            list.check(address, 'ipv6'),
          );
        }
      }
    }
  });
});
