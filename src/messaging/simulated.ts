// Simulated SMS and e-mail files for the demo: a programmed list and providers' delivery reports
// for the plan's two sends per channel. Contacts are fictitious by construction: phone numbers use
// country code +999 (unassigned by the ITU) and addresses the reserved domain example.org.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { IsoDate } from '../core/dates.ts';
import type { MessageChannel } from './recipient.ts';

export interface SimChannelPlan {
  /** Messages programmed per send. */
  scheduled: Record<number, number>;
  /** The days each send went out (messages spread evenly over them). */
  days: Record<number, IsoDate[]>;
  /** Share of programmed messages actually sent (the rest never left: invalid or opted out). */
  sentShare: number;
  deliveredShare: number;
  failedShare: number;
}

export const SIM_MESSAGING: Record<MessageChannel, SimChannelPlan> = {
  sms: {
    scheduled: { 1: 42_000, 2: 42_000 },
    days: { 1: ['2021-10-04', '2021-10-05', '2021-10-06'], 2: ['2021-11-22', '2021-11-23'] },
    sentShare: 0.985,
    deliveredShare: 0.93,
    failedShare: 0.05,
  },
  email: {
    scheduled: { 1: 36_500, 2: 36_500 },
    days: { 1: ['2021-09-27', '2021-09-28'], 2: ['2021-11-15', '2021-11-16'] },
    sentShare: 0.992,
    deliveredShare: 0.9,
    failedShare: 0.07,
  },
};

function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function contact(channel: MessageChannel, i: number): string {
  return channel === 'sms' ? `+999 ${String(100_000_000 + i).slice(0, 3)} ${String(100_000_000 + i).slice(3)}` : `persona${i}@example.org`;
}

export interface SimulatedSendFiles {
  programmed: Record<MessageChannel, string>;
  delivery: Record<MessageChannel, string>;
  /** Scheduled totals the files imply, per channel and send. */
  scheduled: Record<MessageChannel, Record<number, number>>;
}

/**
 * Writes `<channel>-programados.csv` and `<channel>-entregas.csv` for both channels into `dir`.
 * `scale` shrinks every count (tests use a small fraction).
 */
export function writeSimulatedSends(dir: string, opts: { scale?: number } = {}): SimulatedSendFiles {
  const scale = opts.scale ?? 1;
  mkdirSync(dir, { recursive: true });
  const out: SimulatedSendFiles = { programmed: {} as never, delivery: {} as never, scheduled: { sms: {}, email: {} } };
  for (const channel of ['sms', 'email'] as const) {
    const plan = SIM_MESSAGING[channel];
    const rnd = random(channel === 'sms' ? 11 : 29);
    const programmed = channel === 'sms' ? ['Teléfono,Envío'] : ['Correo,Envío'];
    const delivery = channel === 'sms' ? ['Destinatario,Envío,Fecha de envío,Estado'] : ['Email,Send,Date,Status'];
    for (const send of [1, 2]) {
      const n = Math.round(plan.scheduled[send]! * scale);
      out.scheduled[channel][send] = n;
      const days = plan.days[send]!;
      for (let i = 0; i < n; i += 1) {
        const who = contact(channel, i);
        programmed.push(`${who},${send}`);
        const r = rnd();
        if (r >= plan.sentShare) continue;
        const date = days[Math.floor((i / n) * days.length)]!;
        const time = `${String(9 + Math.floor(rnd() * 9)).padStart(2, '0')}:${String(Math.floor(rnd() * 60)).padStart(2, '0')}:00`;
        const o = rnd();
        const status =
          channel === 'sms'
            ? o < plan.deliveredShare ? 'Entregado' : o < plan.deliveredShare + plan.failedShare ? 'Fallido' : 'Enviado'
            : o < plan.deliveredShare ? 'delivered' : o < plan.deliveredShare + plan.failedShare ? 'bounced' : 'deferred';
        delivery.push(`${who},${send},${date} ${time},${status}`);
      }
    }
    out.programmed[channel] = path.join(dir, `${channel}-programados.csv`);
    out.delivery[channel] = path.join(dir, `${channel}-entregas.csv`);
    writeFileSync(out.programmed[channel], `${programmed.join('\n')}\n`);
    writeFileSync(out.delivery[channel], `${delivery.join('\n')}\n`);
  }
  return out;
}
