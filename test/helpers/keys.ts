import type { Scope } from '../../src/domain/scopes.js';
import { createApiKey } from '../../src/store/api-keys.js';
import type { TestHub } from './harness.js';

export type Api = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any; headers: Headers }>;

/** A stored API key on this hub (as `switchboard keys create` makes it), and a JSON client that sends it. */
export async function keyClient(t: TestHub, name: string, scopes?: readonly Scope[]): Promise<Api> {
  const { key } = await createApiKey(t.app.db, name, scopes);
  return (method, path, body) => t.api(method, path, body, { authorization: `Bearer ${key}` });
}
