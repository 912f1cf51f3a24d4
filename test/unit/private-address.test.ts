import { describe, expect, it } from 'vitest';
import { isPrivateAddress } from '../../src/net/private-address.js';

// One address inside each entry of the IANA IPv4 and IPv6 Special-Purpose Address Registries
// (plus multicast and the other blocks that are never a public webhook receiver).
const IPV4_SPECIAL: [string, string][] = [
  ['0.0.0.0', '0.0.0.0/8 "this network"'],
  ['0.1.2.3', '0.0.0.0/8 "this network"'],
  ['10.1.2.3', '10.0.0.0/8 private'],
  ['100.64.0.1', '100.64.0.0/10 shared address space (CGNAT)'],
  ['100.127.255.254', '100.64.0.0/10 shared address space (CGNAT)'],
  ['127.0.0.1', '127.0.0.0/8 loopback'],
  ['127.255.255.254', '127.0.0.0/8 loopback'],
  ['169.254.169.254', '169.254.0.0/16 link local (cloud metadata)'],
  ['172.16.0.1', '172.16.0.0/12 private'],
  ['172.31.255.254', '172.16.0.0/12 private'],
  ['192.0.0.1', '192.0.0.0/24 IETF protocol assignments (192.0.0.0/29 DS-Lite)'],
  ['192.0.0.8', '192.0.0.8/32 IPv4 dummy address'],
  ['192.0.0.9', '192.0.0.9/32 port control protocol anycast'],
  ['192.0.0.10', '192.0.0.10/32 TURN anycast'],
  ['192.0.0.170', '192.0.0.170/32 NAT64/DNS64 discovery'],
  ['192.0.0.171', '192.0.0.171/32 NAT64/DNS64 discovery'],
  ['192.0.2.1', '192.0.2.0/24 documentation (TEST-NET-1)'],
  ['192.31.196.1', '192.31.196.0/24 AS112-v4'],
  ['192.52.193.1', '192.52.193.0/24 AMT'],
  ['192.88.99.1', '192.88.99.0/24 deprecated 6to4 relay anycast'],
  ['192.168.1.1', '192.168.0.0/16 private'],
  ['192.175.48.1', '192.175.48.0/24 direct delegation AS112 service'],
  ['198.18.0.1', '198.18.0.0/15 benchmarking'],
  ['198.19.255.254', '198.18.0.0/15 benchmarking'],
  ['198.51.100.1', '198.51.100.0/24 documentation (TEST-NET-2)'],
  ['203.0.113.1', '203.0.113.0/24 documentation (TEST-NET-3)'],
  ['240.0.0.1', '240.0.0.0/4 reserved'],
  ['255.255.255.255', '255.255.255.255/32 limited broadcast'],
  ['224.0.0.1', '224.0.0.0/4 multicast'],
  ['239.255.255.250', '224.0.0.0/4 multicast'],
];

const IPV6_SPECIAL: [string, string][] = [
  ['::1', '::1/128 loopback'],
  ['::', '::/128 unspecified'],
  ['::ffff:10.0.0.1', '::ffff:0:0/96 IPv4-mapped, carrying a private IPv4'],
  ['::ffff:127.0.0.1', '::ffff:0:0/96 IPv4-mapped, carrying loopback'],
  ['::ffff:0:a00:1', '::ffff:0:0:0/96 IPv4-translated (RFC 6145), carrying 10.0.0.1'],
  ['64:ff9b::a00:1', '64:ff9b::/96 NAT64, carrying 10.0.0.1'],
  ['64:ff9b::808:808', '64:ff9b::/96 NAT64, refused whole even carrying a public address'],
  ['2002:808:808::1', '2002::/16 6to4, refused whole even carrying a public address'],
  ['2001:0:808:808::f7f7:f7f7', '2001::/32 Teredo, refused whole'],
  ['64:ff9b::7f00:1', '64:ff9b::/96 NAT64, carrying 127.0.0.1'],
  ['64:ff9b::c612:1', '64:ff9b::/96 NAT64, carrying 198.18.0.1'],
  ['64:ff9b:1::808:808', '64:ff9b:1::/48 local-use NAT64'],
  ['100::1', '100::/64 discard-only'],
  ['100:0:0:1::1', '100:0:0:1::/64 dummy IPv6 prefix'],
  ['2001:1::1', '2001::/23 IETF protocol assignments (2001:1::1/128 PCP anycast)'],
  ['2001:1::2', '2001:1::2/128 TURN anycast'],
  ['2001:1::3', '2001:1::3/128 DNS-SD SRP anycast'],
  ['2001:2::1', '2001:2::/48 benchmarking'],
  ['2001:3::1', '2001:3::/32 AMT'],
  ['2001:4:112::1', '2001:4:112::/48 AS112-v6'],
  ['2001:10::1', '2001:10::/28 deprecated ORCHID'],
  ['2001:20::1', '2001:20::/28 ORCHIDv2'],
  ['2001:30::1', '2001:30::/28 drone remote ID'],
  ['2001:1ff::1', '2001::/23 IETF protocol assignments'],
  ['2001:0:a00:1::ffff:ffff', '2001::/32 Teredo, server 10.0.0.1'],
  ['2001:0:808:808::f5ff:fffe', '2001::/32 Teredo, client 10.0.0.1 (obfuscated)'],
  ['2001:db8::1', '2001:db8::/32 documentation'],
  ['2002:a00:1::', '2002::/16 6to4, carrying 10.0.0.1'],
  ['2002:0a00:0001::', '2002::/16 6to4, carrying 10.0.0.1 (zero-padded)'],
  ['2002:c0a8:101::1', '2002::/16 6to4, carrying 192.168.1.1'],
  ['2620:4f:8000::1', '2620:4f:8000::/48 direct delegation AS112 service'],
  ['3fff::1', '3fff::/20 documentation'],
  ['5f00::1', '5f00::/16 segment routing SIDs'],
  ['fc00::1', 'fc00::/7 unique local'],
  ['fd12:3456:789a::1', 'fc00::/7 unique local'],
  ['fe80::1', 'fe80::/10 link-local'],
  ['fe80::1%eth0', 'fe80::/10 link-local with a zone id'],
  ['fec0::1', 'fec0::/10 deprecated site-local'],
  ['ff02::1', 'ff00::/8 multicast'],
  ['::a00:1', '::/96 deprecated IPv4-compatible (outside 2000::/3)'],
  ['4000::1', 'outside 2000::/3, reserved by the IETF'],
];

const PUBLIC: [string, string][] = [
  ['8.8.8.8', 'Google DNS'],
  ['1.1.1.1', 'Cloudflare DNS'],
  ['93.184.215.14', 'a public web server'],
  ['100.63.255.255', 'just below CGNAT'],
  ['198.20.0.1', 'just above benchmarking'],
  ['2606:4700:4700::1111', 'Cloudflare DNS over IPv6'],
  ['2001:4860:4860::8888', 'Google DNS over IPv6'],
  ['::ffff:8.8.8.8', 'IPv4-mapped public address'],
];

describe('isPrivateAddress', () => {
  it.each(IPV4_SPECIAL)('refuses %s (%s)', (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each(IPV6_SPECIAL)('refuses %s (%s)', (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each(PUBLIC)('allows %s (%s)', (address) => {
    expect(isPrivateAddress(address)).toBe(false);
  });

  it('gives false for what is not an IP literal (host names are resolved and checked address by address)', () => {
    for (const notIp of ['example.com', 'localhost', '', '10.0.0', '0x7f.1']) expect(isPrivateAddress(notIp)).toBe(false);
  });
});
