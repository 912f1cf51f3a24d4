// A channel's durable state (ChannelState) in Postgres: values survive a new connection, are namespaced
// by channel, and a later set replaces the earlier one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelState } from '../../src/store/channel-state.js';
import { connect, runMigrations, type Db } from '../../src/store/db.js';
import { freshDatabase } from '../helpers/services.js';

let database: Awaited<ReturnType<typeof freshDatabase>>;
let db: Db;

beforeAll(async () => {
  database = await freshDatabase();
  db = connect(database.url, { max: 2 });
  await runMigrations(db);
});

afterAll(async () => {
  await db.sql.end({ timeout: 2 });
  await database.drop();
});

describe('channel state in Postgres', () => {
  it('keeps JSON values per channel and key, and a later set replaces the earlier one', async () => {
    const email = channelState(db, 'email');
    expect(await email.get('inbox')).toBeUndefined();
    await email.set('inbox', { uidValidity: '1700000000', lastUid: 41 });
    await email.set('inbox', { uidValidity: '1700000000', lastUid: 42 });
    expect(await channelState(db, 'telegram').get('inbox')).toBeUndefined();

    const again = connect(database.url, { max: 1 });
    try {
      expect(await channelState(again, 'email').get('inbox')).toEqual({ uidValidity: '1700000000', lastUid: 42 });
    } finally {
      await again.sql.end({ timeout: 2 });
    }
  });
});
