// Markdown (what agents write) → Slack mrkdwn (what Slack shows). Pure and lossy on purpose: Slack has
// no headings or tables, so headings become bold lines and the rest is kept as plain text.

/** Slack needs only these three escaped; escaping `<` also defuses `<!channel>` and `<@U…>` in agent text. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const HOLD = '\u0000';
const BOLD = '\u0001';

/** Converts one Markdown document to mrkdwn. Code spans and blocks are kept verbatim (escaped). */
export function markdownToMrkdwn(markdown: string): string {
  const held: string[] = [];
  const hold = (s: string) => `${HOLD}${held.push(s) - 1}${HOLD}`;

  let text = markdown.replaceAll(HOLD, '').replaceAll(BOLD, '').replace(/\r\n?/g, '\n');
  // Fenced code blocks, then inline code: kept as they are, only escaped.
  text = text.replace(/```[^\n]*\n([\s\S]*?)```/g, (_m, code: string) => hold('```\n' + escapeMrkdwn(code.replace(/\n$/, '')) + '\n```'));
  text = text.replace(/`([^`\n]+)`/g, (_m, code: string) => hold('`' + escapeMrkdwn(code) + '`'));
  // Links and autolinks become Slack links; only http(s) and mailto targets are linked.
  const link = (url: string, label?: string) =>
    /^(https?:|mailto:)/i.test(url) ? hold(`<${url.replace(/[<>|]/g, encodeURIComponent)}${label ? `|${label}` : ''}>`) : undefined;
  text = text.replace(/!?\[([^\]\n]*)\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g, (m, label: string, url: string) => {
    const shown = escapeMrkdwn(label).replace(/\|/g, '¦');
    return link(url, shown || undefined) ?? escapeMrkdwn(m);
  });
  text = text.replace(/<((?:https?|mailto):[^>\s]+)>/gi, (m, url: string) => link(url) ?? m);

  const lines = text.split('\n').map((raw) => {
    let line = raw;
    let prefix = '';
    const quote = /^(\s*)>\s?/.exec(line);
    if (quote) {
      prefix = '>';
      line = line.slice(quote[0].length);
    }
    line = escapeMrkdwn(line);
    if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) return prefix + '──────────';
    const heading = /^\s*#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) return `${prefix}${BOLD}${heading[1]}${BOLD}`;
    line = line.replace(/^(\s*)[-*+]\s+(\[[ xX]\]\s+)?/, (_m, indent: string, box?: string) =>
      `${indent}${box ? (box.trim() === '[ ]' ? '☐ ' : '☑ ') : '• '}`,
    );
    return prefix + line;
  });
  text = lines.join('\n');

  text = text.replace(/(\*\*|__)(?=\S)([^\n]*?\S)\1/g, `${BOLD}$2${BOLD}`);
  text = text.replace(/(^|[^\w*])\*(?=\S)([^*\n]*?\S)\*(?![\w*])/g, '$1_$2_');
  text = text.replace(/~~(?=\S)([^\n]*?\S)~~/g, '~$1~');
  text = text.replace(new RegExp(BOLD, 'g'), '*');
  const marker = new RegExp(`${HOLD}(\\d+)${HOLD}`, 'g');
  // Held pieces may hold others (a code span inside a link label): restore until none is left.
  for (let depth = 0; depth < 3 && text.includes(HOLD); depth++) text = text.replace(marker, (_m, i: string) => held[Number(i)] ?? '');
  return text;
}

/** Cuts text to at most `max` characters, ending with an ellipsis when cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return text.slice(0, Math.max(0, max - 1)).replace(/[\uD800-\uDBFF]$/, '') + '…';
}

/** Splits mrkdwn into chunks of at most `max` characters, preferring paragraph then line boundaries. */
export function chunkText(text: string, max: number): string[] {
  const chunks: string[] = [];
  let rest = text.trim();
  while (rest.length > max) {
    let cut = rest.lastIndexOf('\n\n', max);
    if (cut < max / 2) cut = rest.lastIndexOf('\n', max);
    if (cut < max / 2) cut = rest.lastIndexOf(' ', max);
    if (cut < max / 2) cut = max;
    chunks.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest) chunks.push(rest);
  return chunks;
}
