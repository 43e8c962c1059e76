// Scheduled totals written in the config are mirrored into `message_scheduled`, so the
// `indicator_messaging` view (which cannot read the config) shows them.
import type { MessagingConfig } from '../config/schema.ts';
import type { Store } from '../store/store.ts';
import { MESSAGE_CHANNELS } from './recipient.ts';

export function configuredSchedule(messaging: MessagingConfig | undefined): { channel: string; send: number; scheduled: number }[] {
  return MESSAGE_CHANNELS.flatMap((channel) =>
    Object.entries(messaging?.[channel]?.scheduled ?? {}).map(([send, scheduled]) => ({ channel, send: Number(send), scheduled })),
  );
}

export async function syncMessagingSchedule(store: Store, messaging: MessagingConfig | undefined, now = new Date()): Promise<void> {
  const rows = configuredSchedule(messaging);
  // Upserts, not delete-and-insert: several workers sharing a PostgreSQL database may mirror the
  // config at the same moment, and would otherwise insert the same row twice.
  await store.db.transaction().execute(async (trx) => {
    const kept = new Set(rows.map((r) => `${r.channel}|${r.send}`));
    for (const old of await trx.selectFrom('message_scheduled').select(['channel', 'send_no']).execute()) {
      if (!kept.has(`${old.channel}|${old.send_no}`)) {
        await trx.deleteFrom('message_scheduled').where('channel', '=', old.channel).where('send_no', '=', old.send_no).execute();
      }
    }
    for (const r of rows) {
      const values = { scheduled: r.scheduled, updated_at: now.toISOString() };
      await trx
        .insertInto('message_scheduled')
        .values({ channel: r.channel, send_no: r.send, ...values })
        .onConflict((oc) => oc.columns(['channel', 'send_no']).doUpdateSet(values))
        .execute();
    }
  });
}
