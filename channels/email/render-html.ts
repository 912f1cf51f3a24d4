// The building blocks of Switchboard's HTML mail, made for every client (Outlook's Word engine, Gmail,
// Apple Mail, webmail): tables for layout, every style inline, no classes, no scripts, no images, and
// buttons as "bulletproof" links inside coloured table cells. Every text goes in escaped. Pure.
import { escapeHtml as e } from '../../src/domain/markdown.js';
import type { TextStyle } from '../../src/domain/outcome-text.js';

const FONT = 'font-family:Arial,Helvetica,sans-serif;';
const MUTED = '#52525b';
const RULE = '#e4e4e7';
const COLORS = { primary: '#1a73e8', danger: '#d93025', default: '#3f3f46' } as const;
const CELL = `${FONT}font-size:14px;line-height:1.4;padding:6px 0;border-top:1px solid ${RULE};vertical-align:top;word-break:break-word;`;

export const code = (t: string) => `<code style="font-family:Consolas,Menlo,monospace;font-size:13px;white-space:pre-wrap;">${e(t)}</code>`;

/** Outcome words and values marked up as mail HTML. */
export const htmlText: TextStyle = {
  escape: e,
  strong: (t) => `<strong>${e(t)}</strong>`,
  code,
  quote: (t) => `<blockquote style="margin:8px 0;padding:4px 12px;border-left:3px solid ${RULE};color:#3f3f46;white-space:pre-wrap;">${e(t)}</blockquote>`,
};

export interface MailButton {
  label: string;
  url: string;
  style?: 'primary' | 'danger' | 'default';
}

/** A whole document: `lang`, charset, a hidden preheader (the line inboxes show after the subject), one centred card. */
export function htmlDocument(title: string, preheader: string, content: string[]): string {
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">',
    `<meta name="color-scheme" content="light only"><title>${e(title)}</title></head>`,
    '<body style="margin:0;padding:0;background:#f4f4f5;">',
    `<div style="display:none;max-height:0;max-width:0;overflow:hidden;opacity:0;mso-hide:all;">${e(preheader)}</div>`,
    '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background:#f4f4f5;"><tr><td align="center" style="padding:24px 12px;">',
    '<table role="presentation" width="600" cellpadding="0" cellspacing="0" border="0" style="width:100%;max-width:600px;background:#ffffff;border:1px solid #e4e4e7;border-radius:8px;">',
    `<tr><td style="padding:24px;${FONT}font-size:16px;line-height:1.5;color:#18181b;">`,
    ...content,
    '</td></tr></table>',
    '</td></tr></table></body></html>',
  ].join('\n');
}

export const heading = (text: string) => `<h1 style="margin:0 0 16px;${FONT}font-size:22px;line-height:1.3;color:#18181b;">${e(text)}</h1>`;

/** A paragraph of HTML that is already safe (escaped or marked up by htmlText). */
export const paragraph = (html: string, muted = false) => `<p style="margin:12px 0;${muted ? `color:${MUTED};font-size:14px;` : ''}">${html}</p>`;

export const subheading = (text: string) => `<p style="margin:20px 0 4px;${FONT}font-size:13px;font-weight:bold;text-transform:uppercase;letter-spacing:.04em;color:${MUTED};">${e(text)}</p>`;

/** Two columns, names and values; values are safe HTML already. */
export function keyValueTable(rows: [name: string, html: string][]): string {
  const body = rows
    .map(([name, html]) => `<tr><td width="35%" style="${CELL}padding-right:12px;color:${MUTED};">${e(name)}</td><td style="${CELL}white-space:pre-wrap;">${html}</td></tr>`)
    .join('\n');
  return `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;margin:12px 0;">\n${body}\n</table>`;
}

/** Lines of safe HTML, one under the other. */
export const lines = (html: string[]) => html.map((l) => `<div style="margin:4px 0;">${l}</div>`).join('\n');

/** Each button a coloured cell holding a padded link, so it is a button in Outlook as much as in Gmail. */
function button({ label, url, style = 'default' }: MailButton): string {
  const color = COLORS[style];
  const link = `<a href="${e(url)}" target="_blank" rel="noopener" style="display:inline-block;padding:12px 24px;${FONT}font-size:16px;font-weight:bold;line-height:1.2;color:#ffffff;text-decoration:none;border:1px solid ${color};border-radius:6px;">${e(label)}</a>`;
  return `<td style="padding:0 8px 8px 0;"><table role="presentation" cellpadding="0" cellspacing="0" border="0"><tr><td bgcolor="${color}" style="background:${color};border-radius:6px;">${link}</td></tr></table></td>`;
}

/** Buttons side by side, at most `perRow` a row, so narrow screens are not pushed sideways. */
export function buttons(links: MailButton[], perRow = 3): string {
  const rows: string[] = [];
  for (let i = 0; i < links.length; i += perRow) rows.push(`<tr>${links.slice(i, i + perRow).map(button).join('')}</tr>`);
  return `<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="margin:16px 0 8px;">\n${rows.join('\n')}\n</table>`;
}

export const footer = (text: string) => `<p style="margin:24px 0 0;padding-top:12px;border-top:1px solid ${RULE};${FONT}font-size:12px;color:#71717a;">${e(text)}</p>`;
