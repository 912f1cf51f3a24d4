import type { Request } from '../domain/types.js';
import type { Db } from './db.js';
import { GroupCommit, settle, type Pending as GroupPending } from './group-commit.js';
import { insertRequests } from './insert-requests.js';
import { insertRequest, type NewRequest } from './requests.js';

export interface CreateBatchOptions {
  /** How long a batch waits for more creates before it is written; 0: only those of the current tick. */
  windowMs: number;
  /** A batch this big is written at once. 1 writes every create on its own. */
  maxItems: number;
  /** Batches being written at once; creates arriving meanwhile wait and go together in the next. */
  maxInFlight?: number;
}

export const DEFAULT_CREATE_BATCH: CreateBatchOptions = { windowMs: 0, maxItems: 64, maxInFlight: 4 };

type Pending = GroupPending<NewRequest, Request | undefined>;

const idempotencyScope = (n: NewRequest) => {
  const key = n.row.idempotency_key as string | null;
  return key === null ? undefined : `${n.row.api_key_id}\u0000${key}`;
};

/**
 * Group commit for creates: insert() has insertRequest's contract, but creates arriving together
 * are written by one statement: those of one tick (or `windowMs`), and those that arrive while
 * `maxInFlight` batches are being written. Every promise settles after its statement's commit. A
 * create whose Idempotency-Key an earlier create of the same batch carries gets undefined (as if it
 * lost to a committed create), so the hub replays or refuses it exactly as across batches. If the
 * batch statement fails, its creates are written one by one, so one create's failure is its own.
 */
export class CreateBatcher {
  private readonly group: GroupCommit<NewRequest, Request | undefined>;

  constructor(
    private readonly db: Db,
    private readonly opts: CreateBatchOptions = DEFAULT_CREATE_BATCH,
  ) {
    const maxInFlight = opts.maxInFlight ?? DEFAULT_CREATE_BATCH.maxInFlight!;
    this.group = new GroupCommit((batch) => this.write(batch), { ...opts, maxInFlight });
  }

  insert(n: NewRequest): Promise<Request | undefined> {
    if (this.opts.maxItems <= 1) return insertRequest(this.db, n);
    return this.group.add(n);
  }

  private async write(batch: Pending[]): Promise<void> {
    const { unique, repeated } = splitRepeatedKeys(batch);
    if (unique.length === 1) {
      await settle(unique[0]!, () => insertRequest(this.db, unique[0]!.item));
    } else {
      try {
        const stored = await insertRequests(this.db, unique.map((p) => p.item));
        unique.forEach((p, i) => p.resolve(stored[i]));
      } catch {
        await Promise.all(unique.map((p) => settle(p, () => insertRequest(this.db, p.item))));
      }
    }
    for (const p of repeated) p.resolve(undefined);
  }
}

/**
 * The first create of each (api key, Idempotency-Key) and the rest; the first ones ordered by that
 * pair (creates without a key last), so concurrent batches lock the unique index in one order.
 */
function splitRepeatedKeys(batch: Pending[]): { unique: Pending[]; repeated: Pending[] } {
  const seen = new Set<string>();
  const keyed: [string, Pending][] = [];
  const unkeyed: Pending[] = [];
  const repeated: Pending[] = [];
  for (const p of batch) {
    const scope = idempotencyScope(p.item);
    if (scope === undefined) unkeyed.push(p);
    else if (seen.has(scope)) repeated.push(p);
    else {
      seen.add(scope);
      keyed.push([scope, p]);
    }
  }
  keyed.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { unique: [...keyed.map(([, p]) => p), ...unkeyed], repeated };
}
