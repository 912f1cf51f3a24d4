import { escapeHtml as e } from '../../domain/markdown.js';

export { e };

/** Every console page: no framing, no referrer, nothing cached; scripts only from /ui itself. */
export const HTML_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
};

// Colours keep a contrast of at least 4.5:1 against their background (WCAG AA).
const STYLE = `*{box-sizing:border-box}body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d1d1f;background:#fff}
a{color:#0b57d0}:focus-visible{outline:3px solid #0b57d0;outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:.5rem;background:#fff;padding:.25rem .5rem;z-index:1}
header{display:flex;gap:1rem;align-items:center;justify-content:space-between;padding:.6rem 1.5rem;background:#1d1d1f;color:#fff}
header a{color:#fff;font-weight:600;text-decoration:none}header form{margin:0}header .who{color:#e0e0e0;margin-right:.75rem}
main{padding:1rem 1.5rem;max-width:75rem}h1{font-size:1.4rem;margin:.5rem 0}h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.4rem .6rem;border-bottom:1px solid #d0d0d0;vertical-align:top}
th{background:#f3f3f3;font-weight:600}td.wrap{word-break:break-word}
.badge{display:inline-block;padding:0 .5rem;border-radius:1rem;font-size:.85rem;font-weight:600}
.pending{background:#fff4ce;color:#5c4400}.resolved,.delivered,.settled,.ok{background:#e6f4ea;color:#0d5c2e}
.expired,.cancelled,.queued{background:#ececec;color:#333}.failed,.error{background:#fce8e6;color:#a50e0e}
.filters{display:flex;gap:.75rem;flex-wrap:wrap;align-items:flex-end;margin:.5rem 0 1rem}.filters label{display:block;font-size:.85rem}
input,select,textarea{font:inherit;padding:.35rem .5rem;border:1px solid #767676;border-radius:.3rem}textarea{width:100%}
button{font:inherit;padding:.35rem 1rem;border-radius:.3rem;border:1px solid #767676;background:#fff;color:#1d1d1f;cursor:pointer}
button.primary{background:#0b57d0;border-color:#0b57d0;color:#fff}button.danger{background:#b3261e;border-color:#b3261e;color:#fff}
.notice{padding:.6rem 1rem;border-radius:.4rem;margin:.75rem 0}.info{background:#e8f0fe;color:#1d1d1f}
.meta{color:#595959}.actions{display:flex;gap:.5rem;flex-wrap:wrap;margin:.5rem 0}dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}
dt{color:#595959}dd{margin:0;word-break:break-word}pre{white-space:pre-wrap;word-break:break-word;margin:0;font-size:.85rem}
.panel{border:1px solid #d0d0d0;border-radius:.5rem;padding:.5rem 1rem;margin:.75rem 0}label{font-weight:500}`;

export interface Signed {
  name: string;
  formToken: string;
}

export interface Notice {
  kind: 'ok' | 'error' | 'info';
  text: string;
}

export const noticeHtml = (n?: Notice) => (n ? `<div class="notice ${n.kind}" role="${n.kind === 'error' ? 'alert' : 'status'}">${e(n.text)}</div>` : '');

export const tokenInput = (formToken: string) => `<input type="hidden" name="form_token" value="${e(formToken)}">`;

/** A console page; `signed` adds the header with who is signed in and the sign-out button. */
export function layout(title: string, body: string, signed?: Signed, script?: string): string {
  const head = signed
    ? `<header><a href="/ui">Switchboard console</a><div><span class="who">Signed in as ${e(signed.name)}</span>` +
      `<form method="post" action="/ui/sign-out" style="display:inline">${tokenInput(signed.formToken)}<button type="submit">Sign out</button></form></div></header>`
    : '<header><span>Switchboard console</span></header>';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${e(title)} · Switchboard</title><style>${STYLE}</style>${script ? `<script src="${e(script)}" defer></script>` : ''}</head>
<body><a class="skip" href="#main">Skip to content</a>${head}<main id="main" tabindex="-1">${body}</main></body></html>`;
}

/** "2026-12-02 08:36:51 UTC" */
export const utc = (at: string | Date | null | undefined) => {
  if (!at) return '';
  const d = at instanceof Date ? at : new Date(at);
  return Number.isNaN(d.getTime()) ? String(at) : `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
};

export const timeHtml = (at: string | Date | null | undefined) => {
  if (!at) return '';
  const iso = at instanceof Date ? at.toISOString() : at;
  return `<time datetime="${e(iso)}">${e(utc(at))}</time>`;
};

export const badge = (word: string) => `<span class="badge ${e(word)}">${e(word)}</span>`;

export function signInPage(notice?: Notice): string {
  return layout('Sign in', `<h1>Sign in</h1>${noticeHtml(notice)}
<p>Sign in with an API key that has the <code>requests:read</code> or <code>admin</code> scope. The key is exchanged for a session cookie and is not kept in this browser.</p>
<form method="post" action="/ui/sign-in"><p><label for="api_key">API key</label><br>
<input type="password" id="api_key" name="api_key" autocomplete="off" required size="50"></p>
<button type="submit" class="primary">Sign in</button></form>`);
}
