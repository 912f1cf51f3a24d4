import { BlockList, isIP } from 'node:net';

// Addresses a callback must not reach when private callbacks are denied: loopback, RFC 1918,
// link-local, CGNAT, unique-local, plus unspecified/multicast/reserved, which are never a
// legitimate public webhook receiver.
const IPV4_RANGES: ReadonlyArray<readonly [string, number]> = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.168.0.0', 16],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
];

const IPV6_RANGES: ReadonlyArray<readonly [string, number]> = [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
];

const blocked = new BlockList();
for (const [network, prefix] of IPV4_RANGES) {
  blocked.addSubnet(network, prefix, 'ipv4');
  // Node already matches ::ffff:a.b.c.d against IPv4 rules; the explicit mapped rule keeps that
  // guarantee independent of the runtime.
  blocked.addSubnet(`::ffff:${network}`, 96 + prefix, 'ipv6');
}
for (const [network, prefix] of IPV6_RANGES) blocked.addSubnet(network, prefix, 'ipv6');

/** True if `ip` is a literal IPv4/IPv6 address in a non-public range. Non-IP strings give false. */
export function isPrivateAddress(ip: string): boolean {
  const address = ip.replace(/%.*$/, ''); // zone id, e.g. fe80::1%eth0
  const family = isIP(address);
  if (family === 0) return false;
  return blocked.check(address, family === 4 ? 'ipv4' : 'ipv6');
}
