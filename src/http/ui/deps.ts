import type { SwitchboardHub } from '../../hub.js';
import type { Wakeups } from '../../jobs/wakeups.js';
import type { VerifiedKey } from '../../store/api-keys.js';
import type { Db } from '../../store/db.js';

export interface UiDeps {
  db: Db;
  hub: SwitchboardHub;
  relay: { poke(): void };
  wakeups: Wakeups;
  verifyKey: (key: string) => Promise<VerifiedKey | undefined>;
  /** Signs session cookies and form tokens (the hub's token secret; keys are derived from it). */
  secret: string;
  bootstrapKey: string | undefined;
  publicUrl: string;
}
