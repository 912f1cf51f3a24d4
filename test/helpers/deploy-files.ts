import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { envSchema } from '../../src/config.js';

// What the deploy-manifest tests read: the variables the configuration knows, YAML files, a Dockerfile.

export const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const DEPLOY = join(REPO, 'manifests/deploy');

/** The keys of a zod object schema, through the pipes that `.transform()` adds. */
function objectKeys(schema: z.ZodType): string[] {
  let s: z.ZodType = schema;
  while (s.def.type === 'pipe') s = (s as z.ZodPipe).def.in as z.ZodType;
  return s instanceof z.ZodObject ? Object.keys(s.shape) : [];
}

/** Every variable the hub (src/config.ts) or a channel (channels/<name>/config.ts) reads. */
export async function knownVariables(): Promise<Set<string>> {
  const names = new Set(objectKeys(envSchema));
  const channels = readdirSync(join(REPO, 'channels')).filter((d) => existsSync(join(REPO, 'channels', d, 'config.ts')));
  for (const name of channels) {
    const mod = (await import(/* @vite-ignore */ pathToFileURL(join(REPO, 'channels', name, 'config.ts')).href)) as Record<string, unknown>;
    for (const value of Object.values(mod)) if (value instanceof z.ZodType) objectKeys(value).forEach((k) => names.add(k));
  }
  return names;
}

/** Read by Node, or by the AWS SDK's credentials chain (the SQS channel), not by our schemas. */
export const RUNTIME_VARIABLES = ['NODE_ENV', 'NODE_OPTIONS', 'TZ', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE'];

/** A name whose value is a credential, or a URL that usually carries one. */
export const isSecretName = (name: string) => /(KEY|SECRET|TOKEN|PASSWORD)$/.test(name) || ['DATABASE_URL', 'REDIS_URL', 'SMTP_URL', 'IMAP_URL'].includes(name);

/** A URL with a password in it, e.g. postgres://user:pass@host. */
export const hasLiteralCredentials = (value: string) => /:\/\/[^/@\s:]+:(?!\$\{)[^/@\s]+@/.test(value);

/** Every document of a YAML file; throws on any syntax error. */
export function readYamlDocuments(path: string): any[] {
  return parseAllDocuments(readFileSync(path, 'utf8'), { merge: true }).map((doc) => {
    if (doc.errors.length) throw new Error(`${path}: ${doc.errors.map((e) => e.message).join('; ')}`);
    return doc.toJS();
  });
}

export interface DockerStage {
  from: string;
  name?: string;
  instructions: { op: string; args: string }[];
}

/** Splits a Dockerfile into stages of instructions (continuation lines joined, comments dropped). */
export function parseDockerfile(text: string): DockerStage[] {
  const lines = text.split('\n').filter((l) => !/^\s*#/.test(l));
  const joined = lines.join('\n').replace(/\\\n/g, ' ');
  const stages: DockerStage[] = [];
  for (const line of joined.split('\n')) {
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const op = m[1]!.toUpperCase();
    const args = m[2]!.trim();
    if (op === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?/i.exec(args)!;
      stages.push({ from: from[1]!, name: from[2], instructions: [] });
    } else if (stages.length) {
      stages.at(-1)!.instructions.push({ op, args });
    }
  }
  return stages;
}
