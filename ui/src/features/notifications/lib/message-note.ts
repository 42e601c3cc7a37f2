/** What a notification about a message says: who, where, and the first line or two of it. */
import { useChat } from '@/features/chat';
import type { WireMessage } from '@/lib/protocol';
import { useSession } from '@/stores/session-store';

// A notification shows a line or two; the rest is in the window.
const BODY_CHARS = 200;

/** True when `text` names `name` as a word, with or without a leading @ (any case). */
export function mentions(text: string, name: string): boolean {
  const trimmed = name.trim();
  if (!trimmed) return false;
  const escaped = trimmed.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[^\\p{L}\\p{N}_])@?${escaped}(?![\\p{L}\\p{N}_])`, 'iu').test(text);
}

/** The message is addressed to me: the host says it mentions me, or it names me as a word. */
export function mentionsMe(m: WireMessage): boolean {
  const me = useChat.getState().me;
  if (me !== null && (m.mentions ?? []).includes(me)) return true;
  return mentions(m.text, useSession.getState().user?.name ?? '');
}

/** The notification for a live message, or null for our own. */
export function messageNotification(m: WireMessage): { title: string; body: string } | null {
  const chat = useChat.getState();
  if (chat.me === null || m.author.id === chat.me) return null;
  const room = chat.rooms[m.room_id];
  const where = room?.kind === 'dm' ? ' (direct message)' : room?.name ? ` in #${room.name}` : '';
  const title = mentionsMe(m) ? `${m.author.name} mentioned you${where}` : `${m.author.name}${where}`;
  const flat = m.text.replace(/\s+/g, ' ').trim();
  const text = flat || (m.attachments?.length ? 'sent a file' : '');
  const body = text.length > BODY_CHARS ? `${text.slice(0, BODY_CHARS - 1)}…` : text;
  return { title, body };
}
