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
  await store.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('message_scheduled').execute();
    if (rows.length === 0) return;
    await trx
      .insertInto('message_scheduled')
      .values(rows.map((r) => ({ channel: r.channel, send_no: r.send, scheduled: r.scheduled, updated_at: now.toISOString() })))
      .execute();
  });
}
