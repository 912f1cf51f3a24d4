import { z } from 'zod';
import { LIMITS } from '../../domain/limits.js';
import { issuesToErrors } from '../../domain/request-schema.js';
import { CHANNEL_NAMES } from '../../domain/types.js';
import { ID_PATTERN } from '../../store/ids.js';
import type { ListFilter } from '../../store/requests.js';
import { ProblemError } from '../problem.js';

export const STATES = ['pending', 'resolved', 'expired', 'cancelled'] as const;

// An empty field (a form submitted with "any") means no filter.
const blank = (v: unknown) => (v === '' ? undefined : v);
const filterSchema = z.strictObject({
  state: z.preprocess(blank, z.enum(STATES).optional()),
  channel: z.preprocess(blank, z.enum(CHANNEL_NAMES).optional()),
  workflow: z.preprocess(blank, z.string().max(LIMITS.workflowId).optional()),
  q: z.preprocess(blank, z.string().max(LIMITS.title).optional()),
  before: z.preprocess(blank, z.string().regex(ID_PATTERN, 'not a request id from a previous page').optional()),
});

export type ListFilters = z.infer<typeof filterSchema>;

export const PAGE_SIZE = 50;

/** The list's filters from a query string; anything else is a 422 naming the field. */
export function parseFilters(query: unknown): ListFilters {
  const r = filterSchema.safeParse(query ?? {});
  if (!r.success) throw new ProblemError(422, 'Unprocessable Content', 'The filters are not valid.', { errors: issuesToErrors(r.error) });
  return r.data;
}

export function toStoreFilter(f: ListFilters, limit = PAGE_SIZE): ListFilter {
  return { state: f.state, channel: f.channel, workflowId: f.workflow, titleContains: f.q, before: f.before, limit };
}

/** The filters as a query string (without `before` unless given), for links and the live stream. */
export function filterQuery(f: ListFilters, before?: string): string {
  const p = new URLSearchParams();
  for (const k of ['state', 'channel', 'workflow', 'q'] as const) if (f[k]) p.set(k, f[k]);
  if (before) p.set('before', before);
  const s = p.toString();
  return s ? `?${s}` : '';
}
