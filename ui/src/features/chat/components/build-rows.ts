/** Flatten a room's messages and pending sends into list rows with day separators. */
import { dayKey, dayLabel } from '@/lib/format';
import type { WireMessage } from '@/lib/protocol';
import type { OutboxEntry } from '@/stores/outbox-store';

// Consecutive messages by one author within this span share one header.
const GROUP_MS = 5 * 60 * 1000;

export type Row =
  | { kind: 'day'; key: string; label: string }
  | { kind: 'msg'; key: string; message: WireMessage; own: boolean; grouped: boolean }
  | { kind: 'pending'; key: string; entry: OutboxEntry };

export function buildRows(messages: WireMessage[], pending: OutboxEntry[], me: number | null, now = new Date()): Row[] {
  const rows: Row[] = [];
  let day = '';
  let prev: WireMessage | null = null;
  for (const m of messages) {
    const k = dayKey(m.created_at);
    if (k !== day) {
      rows.push({ kind: 'day', key: `day-${k}`, label: dayLabel(m.created_at, now) });
      day = k;
      prev = null;
    }
    const grouped =
      prev !== null &&
      prev.author.id === m.author.id &&
      Date.parse(m.created_at) - Date.parse(prev.created_at) < GROUP_MS;
    rows.push({ kind: 'msg', key: `m-${m.id}`, message: m, own: m.author.id === me, grouped });
    prev = m;
  }
  for (const e of pending) {
    const k = dayKey(e.created_at);
    if (k !== day) {
      rows.push({ kind: 'day', key: `pday-${k}`, label: dayLabel(e.created_at, now) });
      day = k;
    }
    rows.push({ kind: 'pending', key: `p-${e.client_id}`, entry: e });
  }
  return rows;
}
