// The plan's SMS and e-mail indicators: messages sent ÷ messages scheduled × 100, per send and
// per channel, counting sends dated up to the as-of date.
import { sql } from 'kysely';
import type { MessagingConfig } from '../config/schema.ts';
import type { IsoDate } from '../core/dates.ts';
import { MESSAGE_CHANNELS, type MessageChannel } from '../messaging/recipient.ts';
import type { Store } from '../store/store.ts';
import { pct } from './impressions.ts';

/** The plan has two sends per channel; they are always listed, even before any data. */
export const PLAN_SENDS = [1, 2] as const;

export interface SendProgress {
  send: number | 'total';
  /** Messages programmed; null when neither the config nor an imported list says. */
  scheduled: number | null;
  scheduledFrom: 'config' | 'list' | null;
  sent: number;
  delivered: number;
  failed: number;
  /** Sent, with no final outcome yet. */
  pending: number;
  /** sent ÷ scheduled × 100, unrounded; null without a scheduled total. */
  pct: number | null;
  /** delivered ÷ sent × 100, unrounded; null before anything is sent. */
  deliveredPct: number | null;
  firstDate: IsoDate | null;
  lastDate: IsoDate | null;
}

export interface MessagingDay {
  send: number;
  date: IsoDate;
  sent: number;
  delivered: number;
  failed: number;
}

export interface ChannelProgress {
  channel: MessageChannel;
  sends: SendProgress[];
  total: SendProgress;
  daily: MessagingDay[];
}

export interface MessagingIndicator {
  asOf: IsoDate;
  channels: ChannelProgress[];
}

export async function messagingIndicator(store: Store, messaging: MessagingConfig | undefined, asOf: IsoDate): Promise<MessagingIndicator> {
  const channels: ChannelProgress[] = [];
  for (const channel of MESSAGE_CHANNELS) {
    const configured = messaging?.[channel]?.scheduled ?? {};
    const programmed = await sql<{ send: number; n: number }>`
      SELECT send_no AS send, COUNT(*) AS n FROM message_programmed WHERE channel = ${channel} GROUP BY send_no
    `.execute(store.db);
    const daily = await sql<MessagingDay>`
      SELECT send_no AS send, date, COUNT(*) AS sent, COUNT(*) FILTER (WHERE status = 'delivered') AS delivered,
             COUNT(*) FILTER (WHERE status = 'failed') AS failed
      FROM message_sends WHERE channel = ${channel} AND date <= ${asOf}
      GROUP BY send_no, date ORDER BY send_no, date
    `.execute(store.db);
    const sendNos = new Set<number>(PLAN_SENDS);
    for (const s of Object.keys(configured)) sendNos.add(Number(s));
    for (const r of programmed.rows) sendNos.add(r.send);
    for (const r of daily.rows) sendNos.add(r.send);

    const sends = [...sendNos].sort((a, b) => a - b).map((send): SendProgress => {
      const days = daily.rows.filter((d) => d.send === send);
      const fromConfig = configured[String(send)];
      const fromList = programmed.rows.find((r) => r.send === send)?.n;
      const scheduled = fromConfig ?? fromList ?? null;
      return progress(send, scheduled, fromConfig !== undefined ? 'config' : fromList !== undefined ? 'list' : null, days);
    });
    const allScheduled = sends.every((s) => s.scheduled !== null);
    const origins = new Set(sends.map((s) => s.scheduledFrom));
    const total = progress(
      'total',
      allScheduled ? sends.reduce((s, x) => s + x.scheduled!, 0) : null,
      allScheduled && origins.size === 1 ? sends[0]!.scheduledFrom : null,
      daily.rows,
    );
    channels.push({ channel, sends, total, daily: daily.rows });
  }
  return { asOf, channels };
}

function progress(send: number | 'total', scheduled: number | null, scheduledFrom: SendProgress['scheduledFrom'], days: readonly MessagingDay[]): SendProgress {
  const sent = days.reduce((s, d) => s + d.sent, 0);
  const delivered = days.reduce((s, d) => s + d.delivered, 0);
  const failed = days.reduce((s, d) => s + d.failed, 0);
  const dates = days.map((d) => d.date).sort();
  return {
    send,
    scheduled,
    scheduledFrom,
    sent,
    delivered,
    failed,
    pending: sent - delivered - failed,
    pct: scheduled === null || scheduled === 0 ? null : pct(sent, scheduled),
    deliveredPct: sent === 0 ? null : pct(delivered, sent),
    firstDate: dates[0] ?? null,
    lastDate: dates.at(-1) ?? null,
  };
}
