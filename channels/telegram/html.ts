// Telegram's HTML parse mode: escaping, Markdown (what agents write) → the tags Telegram knows, and the
// length Telegram counts (text after entity parsing). Pure.
//
// Telegram accepts only b, i, u, s, a, code, pre, blockquote (and spoilers, emoji, times): headings
// become bold lines, lists bullets, rules a line of box characters. Emphasis never wraps code (Telegram
// refuses bold or italic around code entities), and a link's label is plain text.

/** The three characters Telegram wants escaped in text. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An attribute value (a link's href), within double quotes. */
export function escapeAttribute(text: string): string {
  return escapeHtml(text).replace(/"/g, '&quot;');
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };

/** What a person sees of our HTML: tags removed, entities decoded. */
export function visibleText(html: string): string {
  return html
    .replace(/<[^>]*>/g, '')
    .replace(/&(lt|gt|amp|quot|#\d+|#x[0-9a-f]+);/gi, (_m, e: string) => {
      if (e.startsWith('#')) return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : Number(e.slice(1)));
      return ENTITIES[e.toLowerCase()]!;
    });
}

/** The length Telegram checks against its limits: characters after entity parsing, in UTF-16 code units. */
export function visibleLength(html: string): number {
  return visibleText(html).length;
}

/** Cuts plain text to at most `max` characters, ending with an ellipsis when cut; never splits a surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return text.slice(0, Math.max(0, max - 1)).replace(/[\uD800-\uDBFF]$/, '') + '…';
}

const TOKEN = /<(\/?)([a-z-]+)[^>]*>|&(?:lt|gt|amp|quot|#\d+|#x[0-9a-f]+);|[\s\S]/giy;

/**
 * Cuts our own (well-formed) HTML to at most `max` visible characters, ending with an ellipsis inside
 * whatever was open, and closing it: the safety net under every budget.
 */
export function truncateHtml(html: string, max: number): string {
  if (visibleLength(html) <= max) return html;
  const open: { tag: string; at: number; count: number }[] = [];
  let out = '';
  let count = 0;
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(html); m; m = TOKEN.exec(html)) {
    const [token, closing, tag] = m;
    if (tag) {
      if (closing) open.pop();
      else open.push({ tag: tag.toLowerCase(), at: out.length, count });
      out += token;
      continue;
    }
    const units = token.length === 1 && /[\uD800-\uDBFF]/.test(token) ? 2 : 1;
    if (count + units > max - 1) break;
    out += token;
    count += units;
  }
  // An element opened but left empty by the cut is dropped rather than closed.
  while (open.length && open.at(-1)!.count === count) out = out.slice(0, open.pop()!.at);
  return `${out}…${open.reverse().map((o) => `</${o.tag}>`).join('')}`;
}

/** Held pieces: links (may sit inside emphasis) and code (may not). */
const LINK = '\u0000';
const CODE = '\u0002';
const BOLD = '\u0001';

/**
 * One Markdown document as Telegram HTML. Its visible text is never longer than the Markdown it came
 * from, so cutting the Markdown to n characters keeps the result within n.
 */
export function markdownToTelegramHtml(markdown: string): string {
  const held: string[] = [];
  const hold = (marker: string, html: string) => `${marker}${held.push(html) - 1}${marker}`;

  let text = markdown.replaceAll(LINK, '').replaceAll(CODE, '').replaceAll(BOLD, '').replace(/\r\n?/g, '\n');
  text = text.replace(/```([\w+-]*)[^\n]*\n([\s\S]*?)```/g, (_m, lang: string, code: string) => {
    const body = escapeHtml(code.replace(/\n$/, ''));
    return hold(CODE, lang ? `<pre><code class="language-${lang}">${body}</code></pre>` : `<pre>${body}</pre>`);
  });
  text = text.replace(/`([^`\n]+)`/g, (_m, code: string) => hold(CODE, `<code>${escapeHtml(code)}</code>`));
  const link = (url: string, label: string) =>
    /^https?:/i.test(url) ? hold(LINK, `<a href="${escapeAttribute(url)}">${escapeHtml(unheld(label, held) || url)}</a>`) : undefined;
  text = text.replace(/!?\[([^\]\n]*)\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g, (m, label: string, url: string) => link(url, label) ?? m);
  text = text.replace(/<(https?:[^>\s]+)>/gi, (m, url: string) => link(url, '') ?? m);

  const lines = quoteBlocks(text.split('\n').map((raw) => line(raw)));
  text = lines.join('\n');
  text = text.replace(new RegExp(`(\\*\\*|__)(?=[^\\s${CODE}])([^\\n${CODE}]*?[^\\s${CODE}])\\1`, 'g'), `${BOLD}$2${BOLD}`);
  text = text.replace(new RegExp(`(^|[^\\w*])\\*(?=[^\\s*${CODE}])([^*\\n${CODE}]*?[^\\s${CODE}])\\*(?![\\w*])`, 'gm'), '$1<i>$2</i>');
  text = text.replace(new RegExp(`(^|[^\\w])_(?=[^\\s_${CODE}])([^_\\n${CODE}]*?[^\\s${CODE}])_(?!\\w)`, 'gm'), '$1<i>$2</i>');
  text = text.replace(new RegExp(`~~(?=[^\\s${CODE}])([^\\n${CODE}]*?[^\\s${CODE}])~~`, 'g'), '<s>$1</s>');
  text = text.replace(new RegExp(`${BOLD}([^${BOLD}]*)${BOLD}`, 'g'), '<b>$1</b>').replace(new RegExp(BOLD, 'g'), '');
  return restore(text, held);
}

interface Line {
  quoted: boolean;
  html: string;
}

/** One line: a heading, a rule, a list item or text; escaped, emphasis still to come. */
function line(raw: string): Line {
  let s = raw;
  const quote = /^\s*>\s?/.exec(s);
  if (quote) s = s.slice(quote[0].length);
  s = escapeHtml(s);
  if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(s)) return { quoted: !!quote, html: '─'.repeat(Math.min(s.trim().length, 10)) };
  const heading = /^\s*#{1,6}\s+(.*?)\s*#*\s*$/.exec(s);
  if (heading) return { quoted: !!quote, html: `${BOLD}${heading[1]}${BOLD}` };
  s = s.replace(/^(\s*)[-*+]\s+(\[[ xX]\]\s+)?/, (_m, indent: string, box?: string) => `${indent}${box ? (box.trim() === '[ ]' ? '☐ ' : '☑ ') : '• '}`);
  return { quoted: !!quote, html: s };
}

/** Runs of quoted lines become one blockquote (Telegram does not nest them). */
function quoteBlocks(lines: Line[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.quoted) {
      out.push(lines[i]!.html);
      continue;
    }
    const run: string[] = [];
    while (i < lines.length && lines[i]!.quoted) run.push(lines[i++]!.html);
    i--;
    out.push(`<blockquote>${run.join('\n')}</blockquote>`);
  }
  return out;
}

const HELD = new RegExp(`([${LINK}${CODE}])(\\d+)\\1`, 'g');

/** Held pieces back in place; a piece may hold others (a code span in a link label). */
function restore(text: string, held: string[]): string {
  let out = text;
  for (let depth = 0; depth < 3 && out.search(HELD) >= 0; depth++) out = out.replace(HELD, (_m, _k, i: string) => held[Number(i)] ?? '');
  return out;
}

/** A link label as plain text: held code spans inside it become their text (a link may not contain code). */
function unheld(label: string, held: string[]): string {
  return label.replace(HELD, (_m, _k, i: string) => visibleText(held[Number(i)] ?? ''));
}
