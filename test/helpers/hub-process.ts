import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { onTestFailed } from 'vitest';
import { freePort, TEST_REDIS_URL, waitFor } from './services.js';

// The hub as operators run it: `switchboard serve` in its own process, killed or drained for real.

const REPO = fileURLToPath(new URL('../..', import.meta.url));

export interface HubProcess {
  name: string;
  proc: ChildProcess;
  baseUrl: string;
  output: string[];
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
}

const children: HubProcess[] = [];

/**
 * Starts `node --import tsx src/cli.ts serve` with the given settings; resolves once /readyz says ready.
 * `port` restarts a hub on the URL it had (with the same env, on the same database).
 */
export async function startHubProcess(name: string, env: Record<string, string>, opts: { port?: number } = {}): Promise<HubProcess> {
  const port = opts.port ?? (await freePort());
  const baseUrl = `http://127.0.0.1:${port}`;
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  // Only what this test sets: no failpoint or channel settings leaking in from the outer environment.
  for (const k of Object.keys(childEnv)) {
    if (/^(SWITCHBOARD_|SLACK_|DISCORD_|TELEGRAM_|SMTP_|IMAP_|EMAIL_|SQS_|METRICS_)/.test(k)) delete childEnv[k];
  }
  Object.assign(childEnv, {
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: baseUrl,
    REDIS_URL: TEST_REDIS_URL,
    SWITCHBOARD_LOG_LEVEL: 'info',
    // Test files run in parallel on few cores: a starved child must not shed the creates a test makes.
    SWITCHBOARD_SHED_EVENT_LOOP_MS: '0',
    ...env,
  });
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'serve'], { cwd: REPO, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  proc.stdout.setEncoding('utf8').on('data', (s: string) => output.push(s));
  proc.stderr.setEncoding('utf8').on('data', (s: string) => output.push(s));
  const child: HubProcess = {
    name, proc, baseUrl, output, exited: undefined,
    exit: new Promise((resolve) => proc.once('exit', (code, signal) => {
      child.exited = { code, signal };
      resolve({ code, signal });
    })),
  };
  children.push(child);
  await waitFor(async () => {
    if (child.exited) throw new Error(`${name} exited early (${JSON.stringify(child.exited)}):\n${output.join('')}`);
    try {
      const res = await fetch(`${baseUrl}/readyz`);
      return res.status === 200;
    } catch {
      return false;
    }
  }, 45_000, `${name} to be ready`);
  return child;
}

/** On a failing test, show what the hub processes said. */
export function dumpOnFailure(): void {
  onTestFailed(() => {
    for (const c of children) {
      process.stderr.write(`\n----- ${c.name} (pid ${c.proc.pid}, exit ${JSON.stringify(c.exited ?? 'running')}) -----\n${c.output.join('')}\n`);
    }
  });
}

/** Kills every hub process still running (afterAll). */
export async function killHubProcesses(): Promise<void> {
  for (const c of children) {
    if (!c.exited) c.proc.kill('SIGKILL');
  }
  await Promise.all(children.map((c) => withTimeout(c.exit, 10_000, `${c.name} to exit`).catch(() => {})));
}

export async function hubApi(hub: HubProcess, apiKey: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${hub.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

export const withTimeout = <T>(p: Promise<T>, ms: number, what: string) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms))]);
