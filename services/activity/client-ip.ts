import ipaddr from 'ipaddr.js';

/**
 * Parses the client address forms the audit log and Graph actually send: `1.2.3.4`,
 * `1.2.3.4:51000`, `[1.2.3.4]:12345`, `2001:db8::abcd`, `[2a09:bac5::1a:9b]:54809`,
 * `::ffff:10.11.12.13` (unwrapped to IPv4), empty or null (none), and the odd hostname such as
 * `localhost:12345` (not an address: null). IPv6 comes back in RFC 5952 form.
 * @example parseClientIp('[::ffff:10.11.12.13]:12345') === '10.11.12.13'
 */
export function parseClientIp(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  let s = value.trim();
  if (s === '') return null;
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(s);
  if (bracketed) s = bracketed[1]!;
  else if (/^\d{1,3}(\.\d{1,3}){3}:\d{1,5}$/.test(s)) s = s.slice(0, s.lastIndexOf(':'));
  // Zone ids (fe80::1%eth0) are local to the sender's machine and mean nothing here.
  s = s.replace(/%.*$/, '');
  if (!ipaddr.isValid(s)) return null;
  // isValid accepts shorthand IPv4 such as "10.1"; audit data never means that, so require four parts.
  if (!s.includes(':') && !ipaddr.IPv4.isValidFourPartDecimal(s)) return null;
  const addr = ipaddr.parse(s);
  if (addr.kind() === 'ipv6' && (addr as ipaddr.IPv6).isIPv4MappedAddress()) {
    return (addr as ipaddr.IPv6).toIPv4Address().toString();
  }
  return addr.toString();
}
