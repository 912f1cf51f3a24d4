// Runs the email agent of email-graph.ts against a Switchboard hub and prints how it ended.
//   SWITCHBOARD_URL=http://localhost:8080 SWITCHBOARD_API_KEY=sb_… npx tsx examples/langgraph/agent.ts [topic]
// SWITCHBOARD_RECIPIENT picks who is asked ("slack:C0123", "email:alice@example.com", …); by default
// the request has only its web page, which the operator console (/ui) links to.
import { randomUUID } from 'node:crypto';
// In your project: import { Switchboard } from 'switchboard/client'.
import { Switchboard } from '../../src/client/index.js';
import type { CreateRequestInput } from '../../src/client/index.js';
import { runWithSwitchboard } from './email-graph.js';

const url = process.env.SWITCHBOARD_URL ?? 'http://localhost:8080';
const apiKey = process.env.SWITCHBOARD_API_KEY;
if (!apiKey) {
  console.error('Set SWITCHBOARD_API_KEY (and SWITCHBOARD_URL if the hub is not at http://localhost:8080).');
  process.exit(1);
}

function recipient(spec = process.env.SWITCHBOARD_RECIPIENT ?? 'web'): CreateRequestInput['recipients'][number] {
  const [channel, ...to] = spec.split(':');
  return (to.length > 0 ? { channel, to: to.join(':') } : { channel }) as CreateRequestInput['recipients'][number];
}

const client = new Switchboard({ url, apiKey });
const topic = process.argv[2] ?? 'the billing migration';
const threadId = `email-agent-${randomUUID()}`;
console.log(`Thread ${threadId}: drafting an email about ${topic}; waiting for a reviewer (see ${url}/ui).`);
const state = await runWithSwitchboard(client, topic, threadId, { recipients: [recipient()] });

if (state.sent) console.log('Sent:', state.sent);
else if (state.reply) console.log('Not sent; the reviewer replied:', state.reply);
else console.log('Not sent: the reviewer ignored it (or nobody answered).');
