/** A cookie-holding client of the operator console (/ui), as a browser without JavaScript uses it. */
export interface ConsolePage {
  status: number;
  html: string;
  headers: Headers;
}

export const formTokenIn = (html: string) => /<input type="hidden" name="form_token" value="([^"]+)">/.exec(html)?.[1];

export class ConsoleClient {
  cookie = '';
  constructor(readonly baseUrl: string) {}

  async get(path: string): Promise<ConsolePage> {
    const res = await fetch(`${this.baseUrl}${path}`, { headers: this.cookie ? { cookie: this.cookie } : {}, redirect: 'manual' });
    return { status: res.status, html: await res.text(), headers: res.headers };
  }

  /** A form post as a same-origin browser page sends it; `form_token` is taken from `from` unless the form has one. */
  async post(path: string, form: Record<string, string>, opts: { from?: string; headers?: Record<string, string> } = {}): Promise<ConsolePage> {
    const body = new URLSearchParams(form);
    if (opts.from && !body.has('form_token')) body.set('form_token', formTokenIn((await this.get(opts.from)).html) ?? '');
    const res = await fetch(`${this.baseUrl}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin', origin: this.baseUrl, ...(this.cookie ? { cookie: this.cookie } : {}), ...opts.headers },
      body,
    });
    return { status: res.status, html: await res.text(), headers: res.headers };
  }

  /** Signs in with `key`; keeps the session cookie. */
  async signIn(key: string): Promise<ConsolePage> {
    const page = await this.post('/ui/sign-in', { api_key: key });
    const set = page.headers.get('set-cookie');
    if (set) this.cookie = set.split(';')[0]!;
    return page;
  }
}
