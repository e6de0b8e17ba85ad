import { describe, expect, it } from 'vitest';
import { checkAddress, createSsrfGuard, isValidCidr, parseIpAddress } from '../../lib/agents/http/ssrfGuard.js';

describe('ssrfGuard', () => {
  it.each([
    // [address, range]
    ['127.0.0.1', 'loopback'],
    ['127.255.1.2', 'loopback'],
    ['::1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.5.4', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['169.254.169.254', 'cloudMetadata'],
    ['169.254.170.2', 'cloudMetadata'],
    ['fd00:ec2::254', 'cloudMetadata'],
    ['100.100.100.200', 'cloudMetadata'],
    ['169.254.1.1', 'linkLocal'],
    ['fe80::1', 'linkLocal'],
    ['fe80::1%eth0', 'linkLocal'],
    ['fec0::1', 'linkLocal'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['ff02::1', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['::', 'unspecified'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.0.8', 'reserved'],
    ['100::1', 'reserved'],
    ['4000::1', 'reserved'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['100.127.255.254', 'carrierGradeNat'],
    ['198.18.0.1', 'benchmarking'],
    ['198.19.255.255', 'benchmarking'],
    ['2001:2::1', 'benchmarking'],
    ['192.0.2.10', 'documentation'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.9', 'documentation'],
    ['2001:db8::1', 'documentation'],
    // IPv6 forms that carry an IPv4 address are judged by it.
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'cloudMetadata'],
    ['::ffff:10.0.0.1', 'private'],
    ['::127.0.0.2', 'loopback'],
    ['::ffff:0:10.1.1.1', 'private'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['64:ff9b::a9fe:a9fe', 'cloudMetadata'],
    ['2002:7f00:1::', 'loopback'],
    ['2002:a9fe:a9fe::1', 'cloudMetadata'],
    ['2001:0:4136:e378:8000:63bf:f5ff:fffe', 'private'], // Teredo, client 10.0.0.1
    ['2001:0:7f00:1::', 'loopback'], // Teredo, server 127.0.0.1
    // inet_aton notations
    ['2130706433', 'loopback'],
    ['0x7f000001', 'loopback'],
    ['0177.0.0.1', 'loopback'],
    ['127.1', 'loopback'],
    ['[::1]', 'loopback'],
  ])('blocks %s (%s)', (address, range) => {
    const verdict = checkAddress(address);
    expect(verdict).toMatchObject({ allowed: false, range });
  });

  it.each(['8.8.8.8', '1.1.1.1', '93.184.216.34', '2606:4700:4700::1111', '2a00:1450:4001::200e', '::ffff:8.8.8.8', '64:ff9b::8.8.8.8', '2002:808:808::1', '172.32.0.1', '100.128.0.1', '11.0.0.1'])(
    'allows the public address %s',
    (address) => {
      expect(checkAddress(address)).toMatchObject({ allowed: true, range: 'unicast' });
    },
  );

  it('reports an IPv4-mapped address as the IPv4 address', () => {
    expect(checkAddress('::ffff:a9fe:a9fe')).toEqual({ allowed: false, address: '169.254.169.254', range: 'cloudMetadata' });
  });

  it('refuses what is not an address', () => {
    expect(checkAddress('example.com')).toMatchObject({ allowed: false, range: 'notAnAddress' });
    expect(checkAddress('')).toMatchObject({ allowed: false, range: 'notAnAddress' });
  });

  it('allowPrivateNetwork opens loopback, private, link-local and CGNAT, not metadata or non-unicast', () => {
    const guard = createSsrfGuard({ allowPrivateNetwork: true });
    for (const address of ['127.0.0.1', '::1', '10.1.2.3', '192.168.0.1', 'fd12::1', '169.254.1.1', 'fe80::1', '100.64.0.1', '::ffff:127.0.0.1']) {
      expect(guard(address), address).toMatchObject({ allowed: true });
    }
    for (const address of ['169.254.169.254', '::ffff:169.254.169.254', 'fd00:ec2::254', '0.0.0.0', '::', '224.0.0.1', '255.255.255.255', '240.0.0.1', '192.0.2.1']) {
      expect(guard(address), address).toMatchObject({ allowed: false });
    }
  });

  it('allowCidrs opens exactly the listed ranges, also through IPv4-mapped forms', () => {
    const guard = createSsrfGuard({ allowCidrs: ['127.0.0.0/8', '10.20.0.0/16', 'fd12::/16', '::ffff:192.168.7.0/120'] });
    expect(guard('127.0.0.1')).toMatchObject({ allowed: true, range: 'loopback' });
    expect(guard('::ffff:127.0.0.1')).toMatchObject({ allowed: true });
    expect(guard('10.20.3.4')).toMatchObject({ allowed: true });
    expect(guard('fd12::5')).toMatchObject({ allowed: true });
    expect(guard('192.168.7.9')).toMatchObject({ allowed: true });
    expect(guard('10.21.0.1')).toMatchObject({ allowed: false, range: 'private' });
    expect(guard('::1')).toMatchObject({ allowed: false, range: 'loopback' });
    expect(guard('169.254.169.254')).toMatchObject({ allowed: false });
  });

  it('validates CIDRs and parses inet_aton notations', () => {
    expect(isValidCidr('10.0.0.0/8')).toBe(true);
    expect(isValidCidr('fd00::/8')).toBe(true);
    expect(isValidCidr('10.0.0.0')).toBe(false);
    expect(isValidCidr('10.0.0.0/33')).toBe(false);
    expect(parseIpAddress('0x7f.1')?.toString()).toBe('127.0.0.1');
    expect(parseIpAddress('127.0.0.1.')?.toString()).toBe('127.0.0.1');
    expect(parseIpAddress('localhost')).toBeUndefined();
  });
});
