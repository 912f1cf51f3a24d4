// What Slack sends to an app's Request URL, built from the fake's real state (the posted message's own
// buttons, the opened modal's own inputs) and signed exactly as Slack signs it: v0 HMAC-SHA256 of
// `v0:{timestamp}:{raw body}` where the body is the form `payload=<url-encoded JSON>`.
import { createHmac, randomBytes } from 'node:crypto';
import type { FakeSlack } from './slack.js';

export function slackSignature(secret: string, timestamp: number, rawBody: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

/** Interactivity payloads arrive as `application/x-www-form-urlencoded` with one field, `payload`. */
export function formBody(payload: unknown): string {
  return `payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

export interface PostOptions {
  secret: string;
  /** Unix seconds; default now. */
  timestamp?: number;
  /** Override the computed signature (tampering tests); `null` sends none. */
  signature?: string | null;
  retryNum?: number;
  contentType?: string;
}

/** POSTs a raw body to the hub's /slack/events the way Slack does. */
export async function postRaw(url: string, rawBody: string, o: PostOptions): Promise<{ status: number; text: string; ms: number }> {
  const timestamp = o.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    'content-type': o.contentType ?? 'application/x-www-form-urlencoded',
    'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
    'x-slack-request-timestamp': String(timestamp),
  };
  const signature = o.signature === undefined ? slackSignature(o.secret, timestamp, rawBody) : o.signature;
  if (signature !== null) headers['x-slack-signature'] = signature;
  if (o.retryNum !== undefined) {
    headers['x-slack-retry-num'] = String(o.retryNum);
    headers['x-slack-retry-reason'] = 'http_timeout';
  }
  const started = Date.now();
  const res = await fetch(url, { method: 'POST', headers, body: rawBody });
  return { status: res.status, text: await res.text(), ms: Date.now() - started };
}

export function postPayload(url: string, payload: unknown, o: PostOptions) {
  return postRaw(url, formBody(payload), o);
}

function userJson(fake: FakeSlack, id: string) {
  const u = fake.users.get(id);
  return { id, username: u?.name ?? id.toLowerCase(), name: u?.name ?? id.toLowerCase(), team_id: u?.team_id ?? fake.teamId };
}

function teamJson(fake: FakeSlack, teamId?: string) {
  return { id: teamId ?? fake.teamId, domain: fake.teamName.toLowerCase() };
}

export interface ClickOptions {
  channel: string;
  ts: string;
  user: string;
  /** Which element: its action_id (buttons) … */
  actionId: string;
  /** … and for a static select, the value of the option picked. */
  selectValue?: string;
  /** Change what the element carries (tampering tests). */
  override?: Record<string, unknown>;
  teamId?: string;
}

/** A block_actions payload for a click on an element of a message the fake holds. */
export function blockActions(fake: FakeSlack, o: ClickOptions): Record<string, unknown> {
  const msg = fake.message(o.channel, o.ts);
  if (!msg) throw new Error(`no message ${o.channel}/${o.ts} in the fake`);
  let found: { block: any; element: any } | undefined;
  for (const block of msg.blocks) {
    for (const element of block.elements ?? []) if (element.action_id === o.actionId) found = { block, element };
  }
  if (!found && !o.override) throw new Error(`no element ${o.actionId} in message ${o.ts}`);
  const element = found?.element ?? {};
  const actionTs = `${(Date.now() / 1000).toFixed(6)}`;
  let action: Record<string, unknown>;
  if (element.type === 'static_select') {
    const option = (element.options ?? []).find((opt: any) => opt.value === o.selectValue);
    if (!option) throw new Error(`no option ${o.selectValue}`);
    action = { type: 'static_select', action_id: element.action_id, block_id: found!.block.block_id, selected_option: option, placeholder: element.placeholder, action_ts: actionTs };
  } else {
    action = { type: 'button', action_id: element.action_id, block_id: found?.block.block_id, text: element.text, value: element.value, ...(element.style ? { style: element.style } : {}), action_ts: actionTs };
  }
  Object.assign(action, o.override ?? {});
  const channelName = fake.channels.get(o.channel) ?? 'directmessage';
  return {
    type: 'block_actions',
    user: userJson(fake, o.user),
    api_app_id: 'A0FAKEAPP',
    token: 'legacy-verification-token',
    container: { type: 'message', message_ts: o.ts, channel_id: o.channel, is_ephemeral: false },
    trigger_id: fake.issueTrigger(o.user),
    team: teamJson(fake, o.teamId),
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: o.channel, name: channelName },
    message: { type: 'message', subtype: 'bot_message', text: msg.text, ts: msg.ts, bot_id: msg.bot_id, user: msg.user, blocks: msg.blocks },
    state: { values: {} },
    response_url: `https://hooks.slack.com/actions/${fake.teamId}/${Date.now()}/${randomBytes(12).toString('hex')}`,
    actions: [action],
  };
}

/** What a person typed or picked, per input block id: text, an option value, option values, or nothing. */
export type Inputs = Record<string, string | string[] | undefined>;

/** A view_submission payload for the modal the fake opened, with `state.values` shaped per element type. */
export function viewSubmission(fake: FakeSlack, viewId: string, inputs: Inputs, o: { user?: string; teamId?: string } = {}): Record<string, unknown> {
  const stored = fake.views.get(viewId);
  if (!stored) throw new Error(`no view ${viewId} in the fake`);
  const values: Record<string, Record<string, unknown>> = {};
  for (const block of stored.view.blocks ?? []) {
    if (block.type !== 'input') continue;
    const e = block.element;
    const given = inputs[block.block_id];
    const pick = (v: unknown) => (e.options ?? []).find((opt: any) => opt.value === v) ?? null;
    let state: Record<string, unknown>;
    switch (e.type) {
      case 'radio_buttons':
      case 'static_select':
        state = { type: e.type, selected_option: given === undefined ? null : pick(given) };
        break;
      case 'checkboxes':
        state = { type: e.type, selected_options: [given ?? []].flat().map(pick).filter(Boolean) };
        break;
      default:
        state = { type: e.type, value: given === undefined ? null : String(given) };
    }
    values[block.block_id] = { [e.action_id]: state };
  }
  const user = o.user ?? stored.user;
  return {
    type: 'view_submission',
    team: teamJson(fake, o.teamId),
    user: userJson(fake, user),
    api_app_id: 'A0FAKEAPP',
    token: 'legacy-verification-token',
    trigger_id: fake.issueTrigger(user),
    view: { ...stored.view, state: { values } },
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}
