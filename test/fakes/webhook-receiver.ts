import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { Webhook } from 'standardwebhooks';

/** Verifies a received webhook with the standardwebhooks package, as any receiver would. */
export function verifiesStandardWebhook(verifier: Webhook, body: string, headers: IncomingHttpHeaders): boolean {
  try {
    verifier.verify(body, {
      'webhook-id': String(headers['webhook-id']),
      'webhook-timestamp': String(headers['webhook-timestamp']),
      'webhook-signature': String(headers['webhook-signature']),
    });
    return true;
  } catch {
    return false;
  }
}

export interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  body: string;
  json: any;
  verified: boolean;
  at: number;
}

export interface PlannedAnswer {
  status: number;
  headers?: Record<string, string>;
  /** Never answer (to test timeouts). */
  hang?: boolean;
  /** Answer this much later (a slow receiver). */
  delayMs?: number;
}

/** A webhook receiver on loopback that verifies every call with the standardwebhooks package. */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  private plan: PlannedAnswer[] = [];
  private server: Server | undefined;
  private secret = '';
  url = '';

  /** Answers to give, in order; after the plan runs out every call gets 200. */
  answer(...plan: PlannedAnswer[]): this {
    this.plan.push(...plan);
    return this;
  }

  async start(secret: string): Promise<this> {
    this.secret = secret;
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const verified = verifiesStandardWebhook(new Webhook(this.secret), body, req.headers);
        this.received.push({ headers: req.headers, body, json: safeJson(body), verified, at: Date.now() });
        const next = this.plan.shift() ?? { status: 200 };
        if (next.hang) return;
        const reply = () => res.writeHead(next.status, next.headers ?? {}).end('ok');
        if (next.delayMs) setTimeout(reply, next.delayMs);
        else reply();
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}/hook`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}
