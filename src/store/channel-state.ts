import type { ChannelState } from '../../channels/channel.js';
import type { ChannelName } from '../domain/types.js';
import type { Db } from './db.js';

/** One channel's durable key-value store (table channel_state). */
export function channelState(db: Db, channel: ChannelName): ChannelState {
  return {
    async get<T>(key: string): Promise<T | undefined> {
      const [row] = await db.sql<{ value: T }[]>`select value from channel_state where channel = ${channel} and key = ${key}`;
      return row?.value;
    },
    async set(key: string, value: unknown): Promise<void> {
      const json = db.sql.json(value as Parameters<typeof db.sql.json>[0]);
      await db.sql`insert into channel_state (channel, key, value) values (${channel}, ${key}, ${json})
        on conflict (channel, key) do update set value = excluded.value, updated_at = now()`;
    },
  };
}
