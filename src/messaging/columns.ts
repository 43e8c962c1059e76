// Which column of a provider's delivery report holds what, and what its status words mean.
// Headers and status words are compared without case, accents or punctuation, so "Teléfono",
// "TELEFONO" and "telefono" are the same column and "DELIVRD", "Delivered" the same outcome.
import type { MessagingChannelConfig } from '../config/schema.ts';
import type { MessageChannel } from './recipient.ts';

export type Field = 'recipient' | 'send' | 'date' | 'status';
export type Outcome = 'sent' | 'delivered' | 'failed';

export function normalizeWord(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** Header names tried, in order, when the config names no column. */
const DEFAULT_HEADERS: Record<MessageChannel, Record<Field, string[]>> = {
  sms: {
    recipient: ['recipient', 'to', 'destination', 'destinatario', 'destino', 'phone', 'phone number', 'mobile', 'msisdn', 'telefono', 'numero', 'numero de telefono', 'celular', 'movil'],
    send: ['send', 'send number', 'send no', 'envio', 'numero de envio', 'no de envio', 'envio no', 'ronda'],
    date: ['date', 'sent at', 'sent date', 'sentdate', 'date sent', 'datesent', 'timestamp', 'fecha', 'fecha de envio', 'fecha envio', 'fecha y hora'],
    status: ['status', 'state', 'delivery status', 'estado', 'estatus', 'estado de entrega', 'resultado'],
  },
  email: {
    recipient: ['recipient', 'to', 'destination', 'destinatario', 'email', 'e mail', 'email address', 'correo', 'correo electronico'],
    send: ['send', 'send number', 'send no', 'envio', 'numero de envio', 'no de envio', 'envio no', 'ronda'],
    date: ['date', 'sent at', 'sent date', 'sentdate', 'date sent', 'timestamp', 'processed', 'fecha', 'fecha de envio', 'fecha envio', 'fecha y hora'],
    status: ['status', 'state', 'event', 'delivery status', 'estado', 'estatus', 'estado de entrega', 'evento', 'resultado'],
  },
};

/**
 * Status words of common providers (SMPP delivery receipts: DELIVRD, UNDELIV, EXPIRED…; Twilio:
 * queued, sent, delivered, undelivered, failed; e-mail event logs: processed, deferred,
 * delivered, open, bounce, dropped) and their Spanish exports.
 */
const DEFAULT_STATUS: Record<Outcome, string[]> = {
  delivered: ['delivered', 'delivrd', 'entregado', 'entregada', 'read', 'leido', 'leida', 'open', 'opened', 'abierto', 'click', 'clicked', 'spamreport', 'complaint', 'partially delivered'],
  failed: ['failed', 'fail', 'fallido', 'fallida', 'error', 'undelivered', 'undeliv', 'undeliverable', 'no entregado', 'no entregada', 'rejected', 'rejectd', 'rechazado', 'rechazada', 'bounce', 'bounced', 'hard bounce', 'soft bounce', 'rebotado', 'rebote', 'dropped', 'blocked', 'bloqueado', 'expired', 'expirado', 'invalid', 'invalido', 'deleted', 'canceled', 'cancelled', 'cancelado'],
  sent: ['sent', 'enviado', 'enviada', 'queued', 'en cola', 'accepted', 'acceptd', 'aceptado', 'sending', 'enviando', 'pending', 'pendiente', 'processed', 'procesado', 'deferred', 'diferido', 'scheduled', 'programado', 'submitted', 'enroute', 'en ruta', 'buffered', 'unknown', 'desconocido'],
};

export interface ColumnMap {
  /** Index of each field's column; `send`, `date` and `status` may be absent. */
  index: Partial<Record<Field, number>>;
  /** The header as written in the file, for messages. */
  header: Partial<Record<Field, string>>;
}

/**
 * Finds each field's column in a header row. A column named in the config must exist; otherwise
 * the first default name present is used.
 */
export function resolveColumns(
  headers: readonly string[],
  channel: MessageChannel,
  cfg: MessagingChannelConfig | undefined,
  required: readonly Field[],
): ColumnMap | { missing: string[] } {
  const normalized = headers.map(normalizeWord);
  const index: ColumnMap['index'] = {};
  const header: ColumnMap['header'] = {};
  const missing: string[] = [];
  for (const field of ['recipient', 'send', 'date', 'status'] as const) {
    const configured = cfg?.columns?.[field];
    const names = configured !== undefined ? [configured] : DEFAULT_HEADERS[channel][field];
    const i = names.map((n) => normalized.indexOf(normalizeWord(n))).find((i) => i >= 0);
    if (i !== undefined) {
      index[field] = i;
      header[field] = headers[i]!;
    } else if (configured !== undefined || required.includes(field)) {
      missing.push(
        configured !== undefined
          ? `column "${configured}" (messaging.${channel}.columns.${field}) is not in the header`
          : `no ${field} column (looked for ${names.map((n) => `"${n}"`).join(', ')}; set messaging.${channel}.columns.${field})`,
      );
    }
  }
  return missing.length > 0 ? { missing } : { index, header };
}

/** Status word → outcome, from the config's lists where given, else the defaults. */
export function statusTable(cfg: MessagingChannelConfig | undefined): Map<string, Outcome> {
  const table = new Map<string, Outcome>();
  for (const outcome of ['sent', 'failed', 'delivered'] as const) {
    for (const word of cfg?.status_values?.[outcome] ?? DEFAULT_STATUS[outcome]) table.set(normalizeWord(word), outcome);
  }
  return table;
}

/** Outcomes only move forward: a later report may turn "sent" into "failed" or "delivered". */
export const OUTCOME_RANK: Record<Outcome, number> = { sent: 0, failed: 1, delivered: 2 };
