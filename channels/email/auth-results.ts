// Did the reply's From domain pass authentication, by our own mail server's word? RFC 8601: each server
// adds an Authentication-Results header above the ones already there, named by its authserv-id. Only
// headers naming our server count, and the topmost of those is the one it added last; any below it may
// have come with the message, written by the sender. A pass is dmarc=pass, or a dkim pass whose header.d
// is aligned with the From domain, or an spf pass whose smtp.mailfrom domain is. Pure.

interface Result {
  method: string;
  result: string;
  props: Map<string, string>;
}

/** Why the reply is not authenticated ("dmarc=fail for example.com"), or undefined when it is. */
export function authProblem(authResults: string[], authservId: string, fromAddress: string): string | undefined {
  const fromDomain = domainOfIdentity(fromAddress);
  const ours = authResults.map(parseHeader).find((h) => h?.authservId === authservId.trim().toLowerCase());
  if (!ours) return `no Authentication-Results from ${authservId}`;
  const passes = (method: string, prop: string) =>
    ours.results.some((r) => r.method === method && r.result === 'pass' && aligned(domainOfIdentity(r.props.get(prop) ?? ''), fromDomain));
  const dmarc = ours.results.find((r) => r.method === 'dmarc');
  // DMARC judged the From domain it names in header.from: it must be this message's.
  const dmarcFrom = dmarc?.props.get('header.from');
  if (dmarc?.result === 'pass' && (!dmarcFrom || domainOfIdentity(dmarcFrom) === fromDomain)) return undefined;
  if (passes('dkim', 'header.d') || passes('dkim', 'header.i') || passes('spf', 'smtp.mailfrom')) return undefined;
  if (dmarc) return dmarc.result === 'pass' ? `dmarc passed for ${dmarcFrom}, not ${fromDomain}` : `dmarc=${dmarc.result} for ${fromDomain}`;
  const seen = ours.results.filter((r) => r.method === 'dkim' || r.method === 'spf').map((r) => `${r.method}=${r.result}`);
  return `no dmarc, dkim or spf pass aligned with ${fromDomain}${seen.length ? ` (${seen.join(', ')})` : ''}`;
}

/** "user@Mail.Example.com", "@example.com" or "example.com" → "mail.example.com". */
function domainOfIdentity(identity: string): string {
  return identity.slice(identity.lastIndexOf('@') + 1).trim().replace(/\.$/, '').toLowerCase();
}

/** Relaxed alignment, simply: the same domain, or one a subdomain of the other. */
function aligned(a: string, b: string): boolean {
  return !!a && !!b && (a === b || a.endsWith(`.${b}`) || b.endsWith(`.${a}`));
}

function parseHeader(header: string): { authservId: string; results: Result[] } | undefined {
  const [head, ...resinfos] = splitOutsideQuotes(withoutComments(header), ';');
  // "authserv-id [version]": the version, if any, follows after whitespace.
  const authservId = head?.trim().split(/\s+/)[0]?.toLowerCase();
  if (!authservId) return undefined;
  const results: Result[] = [];
  for (const resinfo of resinfos) {
    const [first, ...props] = splitOutsideQuotes(resinfo.trim(), /\s+/).filter(Boolean).map(keyValue);
    // "none" (no methods ran) has no "=", so it yields no result.
    if (!first?.[1]) continue;
    results.push({ method: first[0].replace(/\/.*$/, ''), result: first[1].toLowerCase(), props: new Map(props.map(([k, v]) => [k, v])) });
  }
  return { authservId, results };
}

function keyValue(token: string): [string, string] {
  const eq = token.indexOf('=');
  if (eq < 0) return [token.toLowerCase(), ''];
  return [token.slice(0, eq).trim().toLowerCase(), unquote(token.slice(eq + 1).trim())];
}

const unquote = (v: string) => (v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1).replace(/\\(.)/g, '$1') : v);

/** The header without (comments), which may nest; parentheses inside quoted strings stay. */
function withoutComments(s: string): string {
  let out = '';
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && (quoted || depth > 0)) {
      if (depth === 0) out += c + (s[i + 1] ?? '');
      i++;
    } else if (depth === 0 && c === '"') {
      quoted = !quoted;
      out += c;
    } else if (!quoted && c === '(') depth++;
    else if (!quoted && c === ')' && depth > 0) {
      depth--;
      if (depth === 0) out += ' ';
    } else if (depth === 0) out += c;
  }
  return out;
}

/** Splits on `sep` where it is not inside a quoted string. */
function splitOutsideQuotes(s: string, sep: string | RegExp): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && quoted) {
      current += c + (s[i + 1] ?? '');
      i++;
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (!quoted && (typeof sep === 'string' ? c === sep : sep.test(c))) {
      parts.push(current);
      current = '';
    } else current += c;
  }
  parts.push(current);
  return parts;
}
