// The web page under the contract, through real HTTP as a browser uses it: GET a link, POST its form
// with the page's form token. Each persona is a web recipient with a link of its own (web:<to>).
import pino from 'pino';
import { web } from '../../channels/web/index.js';
import type { MessageRef, Request, Responder } from '../../src/domain/types.js';
import { createTokens } from '../../src/tokens.js';
import { MEMORY_HUB_SECRET, MemoryHub } from '../fakes/memory-hub.js';
import { makeRequest } from '../helpers/fixtures.js';
import { freePort } from '../helpers/services.js';
import { type ChannelUnderTest, describeChannelContract, type Persona, type Reply, type Shown } from './contract.js';
import { startPlugin } from './start.js';

const PERSONAS: Persona[] = ['ana', 'ben', 'eve'];
const NAMES: Record<Persona, string> = { ana: 'Ana', ben: 'Ben', eve: 'Eve' };

const decode = (html: string) =>
  html
    .replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');

/** The page as a person reads it: the body's text, tags as spaces. */
function show(html: string): Shown {
  const body = html.slice(html.indexOf('<body>'));
  const options = [...body.matchAll(/<button type="submit" name="value" value="[^"]*"[^>]*>([^<]*)<\/button>/g)].map((m) => decode(m[1]!));
  return { text: decode(body.replace(/<[^>]*>/g, ' ')), actions: body.includes('<form'), options, sizes: {} };
}

const noticeIn = (html: string) => {
  const m = /<div class="notice [a-z]+" role="status">([\s\S]*?)<\/div>/.exec(html);
  return m ? decode(m[1]!) : undefined;
};
const formTokenIn = (html: string) => /<input type="hidden" name="form_token" value="([^"]+)">/.exec(html)?.[1];

/** Changes one character of a token's MAC. */
const tamper = (token: string) => token.slice(0, -3) + (token.at(-3) === 'A' ? 'B' : 'A') + token.slice(-2);

async function start(): Promise<ChannelUnderTest> {
  const port = await freePort();
  const hub = new MemoryHub({ publicUrl: `http://127.0.0.1:${port}` });
  const logLines: string[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => void logLines.push(line) });
  const started = await startPlugin(web, { env: {}, hub, log, port });
  const issued = new Set<string>();
  const told = new Map<Persona, string[]>(PERSONAS.map((p) => [p, []]));

  /** The token of the page link (links.web), or of a persona's own recipient link. */
  const tokenFor = (request: Request, who: Persona | 'page') => {
    const index = request.recipients.findIndex((r) => r.channel === 'web' && r.to === who);
    const token = hub.tokens.issue(request.id, who === 'page' ? 'web' : index);
    issued.add(token);
    return token;
  };
  const url = (token: string) => `${hub.publicUrl}/r/${token}`;
  const get = async (token: string) => (await fetch(url(token))).text();
  /** The form token a browser holds from showing the page while the request was pending. */
  const formToken = async (token: string) => formTokenIn(await get(token)) ?? hub.tokens.formToken(token);
  const post = async (token: string, fields: Record<string, string>) => {
    const res = await fetch(url(token), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
    return { status: res.status, text: await res.text() };
  };
  const form = (persona: Persona, reply: Reply, request: Request, token: string) => ({
    form_token: token,
    name: NAMES[persona],
    value: 'option' in reply ? request.options[reply.option]!.value : reply.text,
  });
  const answerOnce = async (persona: Persona, link: string, fields: Record<string, string>) => {
    const res = await post(link, fields);
    const notice = noticeIn(res.text);
    if (notice) told.get(persona)!.push(notice);
    return res;
  };

  return {
    hub,
    channel: started.channel,
    logLines,
    identity: (persona): Responder => ({ channel: 'web', id: persona, name: NAMES[persona] }),
    request: (over) => makeRequest({ recipients: [{ channel: 'web' }, ...PERSONAS.map((to) => ({ channel: 'web' as const, to }))], ...over }),
    // Inline: the hub stores the request with links.web and never calls deliver().
    deliver(request) {
      const ref = { url: url(tokenFor(request, 'page')) };
      hub.delivered(request.id, undefined, ref, 'web');
      return Promise.resolve(ref);
    },
    show: async (ref: MessageRef) => show(await (await fetch(String(ref.url))).text()),
    async answer(_ref, request, persona, reply) {
      const link = tokenFor(request, persona);
      await answerOnce(persona, link, form(persona, reply, request, await formToken(link)));
    },
    async answerForged(_ref, request, persona, reply, how) {
      const link = tokenFor(request, persona);
      const fields = form(persona, reply, request, await formToken(link));
      const index = request.recipients.findIndex((r) => r.to === persona);
      const forged = how === 'tampered' ? tamper(link) : createTokens(`another-hub-${MEMORY_HUB_SECRET}`).issue(request.id, index);
      issued.add(forged);
      return post(forged, fields);
    },
    async answerTwice(_ref, request, persona, reply) {
      const link = tokenFor(request, persona);
      const fields = form(persona, reply, request, await formToken(link));
      await answerOnce(persona, link, fields);
      await answerOnce(persona, link, fields);
    },
    told: (persona) => [...told.get(persona)!],
    secrets: () => [MEMORY_HUB_SECRET, ...issued],
    stop: () => started.stop(),
  };
}

describeChannelContract('web', {
  platform: 'web page',
  limits: { lacks: 'a web page has no platform limits; it shows the whole request' },
  signature: { lacks: "nothing signs a browser's post; the link's capability token is the proof" },
  redelivery: { lacks: 'no platform redelivers a post, but a person may send the same form twice' },
  rateLimits: { lacks: 'deliver posts nothing anywhere; the page reads the request live' },
  credentials: { lacks: "the channel holds no platform credential; its links are signed with the hub's secret" },
  start,
});
