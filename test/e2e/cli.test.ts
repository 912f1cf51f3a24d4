import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, freshDatabase, waitFor } from '../helpers/services.js';

const run = promisify(execFile);
const CLI = ['--import', 'tsx', 'src/cli.ts'];

function cli(args: string[], env: Record<string, string>) {
  return run('node', [...CLI, ...args], { env: { ...process.env, ...env }, timeout: 60_000 }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

describe('switchboard CLI against a database', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  let env: Record<string, string>;
  beforeAll(async () => {
    db = await freshDatabase();
    env = { DATABASE_URL: db.url, REDIS_URL: 'redis://127.0.0.1:6379' };
  });
  afterAll(async () => db?.drop());

  it('migrates, and creates, lists and revokes API keys', async () => {
    expect((await cli(['migrate'], env)).stdout).toContain('migrations applied');
    const created = await cli(['keys', 'create', '--name', 'agent-1'], env);
    expect(created.code).toBe(0);
    const key = /\n\s+(sb_\S+)\n/.exec(created.stdout)?.[1];
    expect(key).toBeDefined();
    const listed = await cli(['keys', 'list'], env);
    expect(listed.stdout).toContain('agent-1');
    expect(listed.stdout).toContain('active');
    expect(listed.stdout).not.toContain(key!);
    expect((await cli(['keys', 'revoke', 'agent-1'], env)).stdout).toContain('revoked 1 key');
    expect((await cli(['keys', 'list'], env)).stdout).toMatch(/agent-1\s+revoked/);
    expect((await cli(['keys', 'revoke', 'agent-1'], env)).code).toBe(1);
  });

  it('creates keys with scopes (the default when none are given), lists them, and keeps names unique', async () => {
    const plain = await cli(['keys', 'create', '--name', 'plain'], env);
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/created key_\S+ \(plain\) with scopes requests:read,requests:write,responses:write\n/);
    const reader = await cli(['keys', 'create', '--name', 'reader', '--scopes', 'requests:read'], env);
    expect(reader.code).toBe(0);
    expect(reader.stdout).toContain('(reader) with scopes requests:read\n');
    const ops = await cli(['keys', 'create', '--name', 'ops', '--scopes', 'admin, requests:write'], env);
    expect(ops.stdout).toContain('(ops) with scopes requests:write,admin\n');
    const listed = (await cli(['keys', 'list'], env)).stdout;
    expect(listed).toMatch(/plain\s+active .* scopes requests:read,requests:write,responses:write\n/);
    expect(listed).toMatch(/reader\s+active .* scopes requests:read\n/);
    expect(listed).toMatch(/ops\s+active .* scopes requests:write,admin\n/);

    const unknown = await cli(['keys', 'create', '--name', 'typo', '--scopes', 'requests:read,request:write,root'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('keys create --scopes: unknown scopes "request:write", "root"; choose from requests:read, requests:write, responses:write, admin');
    expect((await cli(['keys', 'create', '--name', 'empty', '--scopes', ''], env)).stderr).toContain('no scopes given');
    // An API answer is attributed to its key's name, so two active keys cannot share one.
    const again = await cli(['keys', 'create', '--name', 'reader'], env);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('an active key is already named reader');
    expect((await cli(['keys', 'create', '--name', 'SWITCHBOARD_API_KEY'], env)).code).toBe(2);

    const names = (await cli(['keys', 'list'], env)).stdout;
    expect(names).not.toMatch(/typo|empty/);
    expect(names.match(/ reader /g)).toHaveLength(1);
  });

  it('refuses key names an approvers list could not spell', async () => {
    // The name is an identity (api:<name>).
    const spaced = await cli(['keys', 'create', '--name', 'two words'], env);
    expect(spaced.code).toBe(2);
    expect(spaced.stderr).toContain('a key name is 1..100 letters, digits');
    expect((await cli(['keys', 'create', '--name', 'x'.repeat(101)], env)).code).toBe(2);
    expect((await cli(['keys', 'list'], env)).stdout).not.toContain('two words');
  });

  it('explains usage errors', async () => {
    const r = await cli(['keys', 'create'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('keys create needs --name NAME');
    expect((await cli(['frobnicate'], env)).stderr).toContain('unknown command frobnicate');
  });

  it('doctor reports each dependency and channel, and fails on a bad one', async () => {
    const ok = await cli(['doctor'], env);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/✓ Postgres \(DATABASE_URL\)\s+server \d+/);
    expect(ok.stdout).toMatch(/✓ Redis\s+redis \d/);
    expect(ok.stdout).toMatch(/Channel slack\s+off: SLACK_BOT_TOKEN is not set/);
    const bad = await cli(['doctor'], { ...env, REDIS_URL: 'redis://127.0.0.1:1', SWITCHBOARD_WEBHOOK_SECRET: 'nope-secret-value' });
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/✗ Redis/);
    expect(bad.stdout).toMatch(/✗ Webhook secret\s+webhook secret must have the form whsec_/);
    expect(bad.stdout).not.toContain('nope-secret-value');
  });
});

describe('the embedded default (no DATABASE_URL)', () => {
  let dir: string;
  let child: ChildProcess | undefined;
  let out = '';
  afterAll(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child!.once('exit', r));
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('starts with an embedded Postgres, prints a bootstrap key once, and serves the API', async () => {
    dir = await mkdtemp(join(tmpdir(), 'sb-embedded-'));
    await chmod(dir, 0o755);
    const port = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env, SWITCHBOARD_DATA_DIR: join(dir, 'data'), PORT: String(port), REDIS_URL: 'redis://127.0.0.1:6379', SWITCHBOARD_QUEUE_PREFIX: `sbtest_emb_${port}` };
    delete env.DATABASE_URL;
    delete env.SWITCHBOARD_API_KEY;
    child = spawn('node', [...CLI, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok, 60_000, `readyz; output:\n${out}`);
    const key = /bootstrap API key[^\n]*\n\s*\n\s+(sb_\S+)/.exec(out)?.[1];
    expect(key).toBeDefined();
    const saved = join(dir, 'data', 'api-key');
    expect((await readFile(saved, 'utf8')).trim()).toBe(key);
    expect((await stat(saved)).mode & 0o777).toBe(0o600);
    const res = await fetch(`http://127.0.0.1:${port}/v1/requests`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Embedded?', recipients: [{ channel: 'web' }] }),
    });
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body.links.web).toMatch(new RegExp(`^http://localhost:${port}/r/`));
    // The key is printed once, and never into the structured logs.
    expect(out.split(key!).length - 1).toBe(1);
    child.kill('SIGTERM');
    const code = await new Promise((r) => child!.once('exit', r));
    expect(code).toBe(0);
  }, 120_000);
});
