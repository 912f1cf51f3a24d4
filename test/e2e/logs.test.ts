import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropRedisKeys, freePort, freshDatabase, suffix, TEST_REDIS_URL, waitFor } from '../helpers/services.js';

// `switchboard serve` as a person starts it (on a terminal) and as CI or a log shipper does (a pipe).
// The terminal is a real pseudo-terminal from util-linux `script`.

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const SERVE = ['--import', 'tsx', 'src/cli.ts', 'serve'];
const QUEUE_PREFIX = `sblogs_${suffix()}`;
/** `[14:02:07.123] INFO: message {"some":"fields"}` */
const PRETTY_LINE = (msg: string) => new RegExp(`^\\[\\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\] INFO: ${msg}( \\{.*\\})?$`, 'm');

let db: { url: string; drop(): Promise<void> };
const running: ChildProcess[] = [];

beforeAll(async () => {
  db = await freshDatabase();
});

afterAll(async () => {
  for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await db?.drop();
  await dropRedisKeys(`${QUEUE_PREFIX}*`);
});

interface HubRun {
  code: number | null;
  /** What the hub printed, without colours or carriage returns. */
  text: string;
  /** True if the output carried ANSI colour codes. */
  coloured: boolean;
}

/** Starts a hub, waits until it is ready, drains it with SIGTERM, and returns what it printed. */
async function runHub(opts: { terminal: boolean; format?: 'json' | 'pretty' }): Promise<HubRun> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: db.url,
    REDIS_URL: TEST_REDIS_URL,
    SWITCHBOARD_QUEUE_PREFIX: `${QUEUE_PREFIX}_${port}`,
    SWITCHBOARD_API_KEY: `sb_logs_${suffix()}${suffix()}`,
    SWITCHBOARD_LOG_LEVEL: 'info',
    SHELL: '/bin/sh',
    TERM: 'xterm',
  };
  // Colours follow the terminal alone here, whatever the outer environment asks for.
  for (const name of ['SWITCHBOARD_LOG_FORMAT', 'NO_COLOR', 'FORCE_COLOR', 'CI']) delete env[name];
  if (opts.format) env.SWITCHBOARD_LOG_FORMAT = opts.format;

  // Under `script` the hub is the shell's pid (exec), which the shell prints first: the hub gets
  // SIGTERM itself, as on Ctrl-C, and `script` (-e) passes on its exit code once it has drained.
  const child = opts.terminal
    ? spawn('script', ['-q', '-e', '-c', `echo "hub pid $$"; exec node ${SERVE.join(' ')}`, '/dev/null'], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, SERVE, { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.push(child);
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (out += s));
  const exit = new Promise<number | null>((resolve, reject) => {
    child.once('error', (err) => reject(new Error(`could not start ${opts.terminal ? 'script (util-linux)' : 'node'}: ${err.message}`)));
    child.once('exit', (code) => resolve(code));
  });
  const exitedEarly = () => child.exitCode !== null || child.signalCode !== null;

  await waitFor(async () => {
    if (exitedEarly()) throw new Error(`the hub exited early:\n${out}`);
    return (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok;
  }, 45_000, 'the hub to be ready').catch((err: Error) => {
    throw new Error(`${err.message}; it printed:\n${out}`);
  });

  const hubPid = opts.terminal ? Number(/hub pid (\d+)/.exec(out)?.[1]) : child.pid!;
  process.kill(hubPid, 'SIGTERM');
  const code = await exit;
  return { code, text: stripVTControlCharacters(out).replace(/\r/g, ''), coloured: out.includes('\x1b[') };
}

function logLines(text: string): string[] {
  return text.split('\n').filter((l) => l.trim() !== '' && !/^hub pid \d+$/.test(l));
}

describe('hub logs', () => {
  it('are pretty and coloured on a terminal, down to the last line written before exit', async () => {
    const run = await runHub({ terminal: true });
    expect(run.code).toBe(0);
    expect(run.coloured).toBe(true);
    expect(run.text).toMatch(PRETTY_LINE('switchboard is listening'));
    expect(run.text).toMatch(PRETTY_LINE('draining: finishing in-flight requests and jobs'));
    expect(run.text).toMatch(PRETTY_LINE('stopped'));
    expect(run.text).not.toContain('{"level"');
  }, 90_000);

  it('are JSON on a terminal when SWITCHBOARD_LOG_FORMAT=json', async () => {
    const run = await runHub({ terminal: true, format: 'json' });
    expect(run.code).toBe(0);
    const messages = logLines(run.text).map((l) => (JSON.parse(l) as { msg: string }).msg);
    expect(messages).toContain('switchboard is listening');
    expect(messages.at(-1)).toBe('stopped');
  }, 90_000);

  it('are JSON through a pipe, one object a line', async () => {
    const run = await runHub({ terminal: false });
    expect(run.code).toBe(0);
    const entries = logLines(run.text).map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(entries.find((e) => e.msg === 'switchboard is listening')?.level).toBe(30);
    expect(entries.at(-1)?.msg).toBe('stopped');
  }, 90_000);

  it('are pretty, without colours, through a pipe when SWITCHBOARD_LOG_FORMAT=pretty', async () => {
    const run = await runHub({ terminal: false, format: 'pretty' });
    expect(run.code).toBe(0);
    expect(run.coloured).toBe(false);
    expect(run.text).toMatch(PRETTY_LINE('switchboard is listening'));
    expect(run.text).toMatch(PRETTY_LINE('stopped'));
  }, 90_000);
});
