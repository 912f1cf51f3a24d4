// What a person wrote in a reply, without what their mail program added: the quoted message ("> "
// lines and the "On … wrote:" line above them), an Outlook header block or "Original Message" line and
// everything under it, forwarded messages, the signature ("-- ") and "Sent from my iPhone". Replies are
// mostly top-posted, so a marker that starts the quoted part cuts the rest; "> " lines are dropped one by
// one, so a reply written below or between the quoted lines keeps its words. Pure.

/** "On <date>, <name> wrote:" and its common translations: how the line starts and how it ends. */
const ATTRIBUTIONS: [start: string, end: RegExp][] = [
  ['On', /\bwrote\s*:$/i],
  ['Le', /\ba écrit\s*:$/i],
  ['Am', /\bschrieb\b.*:$/i],
  ['El', /\bescribió\s*:$/i],
  ['Il', /\bha scritto\s*:$/i],
  ['Em', /\bescreveu\s*:$/i],
  ['Op', /\bschreef\b.*:$/i],
];

/** A line from which on everything is the earlier message, a forward or the signature. */
const CUT_LINES = [
  /^-{2,}\s*(Original Message|Ursprüngliche Nachricht|Message d'origine|Mensaje original|Messaggio originale)\s*-{2,}$/i,
  /^-{3,}\s*Forwarded message\s*-{3,}$/i,
  /^Begin forwarded message\s*:$/i,
  /^--\s?$/,
  /^(Sent from my \w+|Sent from (Mail|Outlook) for \w+|Get Outlook for \w+|Von meinem \w+ gesendet|Envoyé de mon \w+|Enviado desde mi \w+)/i,
];

/** Outlook's header block over the quoted message: "From:" then, within a few lines, "Sent:" (or translations). */
const HEADER_FROM = /^\*?(From|Von|De|Van|Da)\s?:/i;
const HEADER_SENT = /^\*?(Sent|Date|Gesendet|Datum|Envoyé|Enviado|Fecha|Verzonden|Inviato|Data)\s?:/i;
/** Outlook draws a line above that block: underscores, or an <hr> that turns into dashes as text. */
const RULE = /^(_{10,}|-{10,})$/;

const QUOTED = /^\s*>/;

export function newText(mail: { text?: string; html?: string | false }): string {
  const text = mail.text?.trim() ? mail.text : mail.html ? htmlText(mail.html) : '';
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const kept = lines.slice(0, cutAt(lines)).filter((line, i) => !QUOTED.test(line) && !isAttribution(lines, i));
  return kept
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** The index of the first line of what is not this reply's own (or the length: all of it is). */
function cutAt(lines: string[]): number {
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (CUT_LINES.some((re) => re.test(line))) return i;
    if (HEADER_FROM.test(line) && lines.slice(i + 1, i + 5).some((l) => HEADER_SENT.test(l.trim()))) return ruleAbove(lines, i);
    // An attribution with no "> " lines under it introduces an unmarked quote (Outlook, some webmail).
    if (attributionLength(lines, i) && !QUOTED.test(nextNonBlank(lines, i + attributionLength(lines, i)) ?? '>')) return i;
  }
  return lines.length;
}

/** The line of a rule drawn above line i (blank lines between), else i. */
function ruleAbove(lines: string[], i: number): number {
  let j = i - 1;
  while (j >= 0 && !lines[j]!.trim()) j--;
  return j >= 0 && RULE.test(lines[j]!.trim()) ? j : i;
}

/** True for the line(s) of an "On … wrote:" attribution: one line, or one wrapped over two. */
function isAttribution(lines: string[], i: number): boolean {
  return attributionLength(lines, i) > 0 || attributionLength(lines, i - 1) === 2;
}

/** 1 or 2 when an attribution starts at line i (2: wrapped onto the next line), else 0. */
function attributionLength(lines: string[], i: number): number {
  const line = lines[i]?.trim();
  if (!line) return 0;
  const is = (s: string) => s.length <= 300 && ATTRIBUTIONS.some(([start, end]) => s.startsWith(`${start} `) && end.test(s));
  if (is(line)) return 1;
  const next = lines[i + 1]?.trim();
  return next && is(`${line} ${next}`) ? 2 : 0;
}

function nextNonBlank(lines: string[], from: number): string | undefined {
  return lines.slice(from).find((l) => l.trim());
}

/** An HTML-only reply as plain text, its <blockquote>s (the quoted message) left out. */
function htmlText(html: string): string {
  let s = html.replace(/<(head|style|script)\b[\s\S]*?<\/\1\s*>/gi, '');
  // Innermost first, so nested quotes go with the quote around them.
  for (let before = ''; before !== s; ) {
    before = s;
    s = s.replace(/<blockquote\b[^>]*>(?:(?!<blockquote\b)[\s\S])*?<\/blockquote\s*>/gi, '\n');
  }
  s = s
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|li|tr|h[1-6])\s*>|<hr\b[^>]*>/gi, '\n')
    .replace(/<[^>]*>/g, '');
  return decodeEntities(s);
}

const ENTITIES: Record<string, string> = { nbsp: ' ', amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}
