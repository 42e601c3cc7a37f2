/**
 * Flatten a room's messages and pending sends into list rows: day separators, the "New since you
 * left" line after the read mark the room was opened with, and "Seen" under the last message.
 */
import { dayKey, dayLabel } from '@/lib/format';
import type { WireMessage } from '@/lib/protocol';
import type { OutboxEntry } from '@/stores/outbox-store';

// Consecutive messages by one author within this span share one header.
const GROUP_MS = 5 * 60 * 1000;

export type Row =
  | { kind: 'day'; key: string; label: string }
  | { kind: 'new'; key: string }
  | { kind: 'msg'; key: string; message: WireMessage; own: boolean; grouped: boolean }
  | { kind: 'seen'; key: string; text: string }
  | { kind: 'pending'; key: string; entry: OutboxEntry };

export type RowExtras = {
  /** The read mark the room was opened with: the line goes before the first newer message by others. */
  newSince?: number;
  /** "Seen" / "Seen by A, B" under the last message (direct messages). */
  seen?: string | null;
};

export function buildRows(
  messages: WireMessage[],
  pending: OutboxEntry[],
  me: number | null,
  now = new Date(),
  extras: RowExtras = {},
): Row[] {
  const rows: Row[] = [];
  let day = '';
  let prev: WireMessage | null = null;
  let lineDrawn = extras.newSince === undefined;
  for (const m of messages) {
    const k = dayKey(m.created_at);
    if (k !== day) {
      rows.push({ kind: 'day', key: `day-${k}`, label: dayLabel(m.created_at, now) });
      day = k;
      prev = null;
    }
    let lineHere = false;
    if (!lineDrawn && m.id > extras.newSince! && m.author.id !== me && !m.deleted) {
      rows.push({ kind: 'new', key: 'new-since' });
      lineDrawn = true;
      lineHere = true;
    }
    // A reply shows its quote above the header, so it always starts a group.
    const grouped =
      !lineHere &&
      prev !== null &&
      m.reply_to === null &&
      prev.author.id === m.author.id &&
      Date.parse(m.created_at) - Date.parse(prev.created_at) < GROUP_MS;
    rows.push({ kind: 'msg', key: `m-${m.id}`, message: m, own: m.author.id === me, grouped });
    prev = m;
  }
  if (extras.seen && messages.length > 0) rows.push({ kind: 'seen', key: 'seen', text: extras.seen });
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

/**
 * "Seen" (one other person) or "Seen by A, B" under the last message of a direct message: the
 * participants other than me and its author whose read mark reached it.
 */
export function seenText(
  last: WireMessage | undefined,
  marks: Record<number, number> | undefined,
  participants: { id: number; name: string }[],
  me: number | null,
): string | null {
  if (!last || !marks) return null;
  const others = participants.filter((p) => p.id !== me && p.id !== last.author.id);
  const seen = others.filter((p) => (marks[p.id] ?? 0) >= last.id);
  if (seen.length === 0) return null;
  const everyoneElse = participants.filter((p) => p.id !== me).length;
  if (everyoneElse === 1) return 'Seen';
  if (seen.length === others.length && others.length > 2) return 'Seen by everyone';
  return `Seen by ${seen.map((p) => p.name).join(', ')}`;
}
