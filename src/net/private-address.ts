import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

// Which addresses a callback may reach when private callbacks are denied. The classification is
// ipaddr.js's (its range() follows the IANA IPv4 and IPv6 special-purpose registries): only
// 'unicast' is public. Two refinements:
// - IPv6 outside 2000::/3, the only block IANA has allocated as global unicast, is reserved too
//   (e.g. ::a.b.c.d IPv4-compatible, 100:0:0:1::/64), whatever range() calls it.
// - An IPv4-mapped address (::ffff:a.b.c.d, how a dual-stack socket shows IPv4) is that IPv4
//   address. Translation and tunnel prefixes (NAT64 64:ff9b::/96, 6to4 2002::/16, Teredo) are
//   special-purpose ranges and refused whole: where their packets end up is not ours to check.

const GLOBAL_UNICAST = ipaddr.parseCIDR('2000::/3');

function isPublic(address: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  if (address.kind() === 'ipv4') return address.range() === 'unicast';
  const v6 = address as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address().range() === 'unicast';
  return v6.range() === 'unicast' && v6.match(GLOBAL_UNICAST);
}

/** True if `ip` is a literal IPv4/IPv6 address that is not public unicast. Non-IP strings give false. */
export function isPrivateAddress(ip: string): boolean {
  const address = ip.replace(/%.*$/, ''); // zone id, e.g. fe80::1%eth0
  if (isIP(address) === 0) return false;
  return !isPublic(ipaddr.parse(address));
}
