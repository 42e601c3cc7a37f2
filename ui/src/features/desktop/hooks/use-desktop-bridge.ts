/**
 * What the desktop window does for the page (no-ops in a browser): the unread total in the window
 * title, a native notification for each live message from someone else (and mentions) while the
 * window is not focused, and external links in the system browser.
 */
import { useEffect } from 'react';

import { totalUnread, useChat } from '@/features/chat';
import { desktopApi, notify, openExternal, setUnread } from '@/features/desktop/api/desktop-api';
import { EVENTS, type WireMessage } from '@/lib/protocol';
import { onEvent } from '@/lib/socket';
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

/** The host says the message mentions me (Message `mentions`). */
function isMention(m: WireMessage): boolean {
  const me = useChat.getState().me;
  return me !== null && (m.mentions ?? []).includes(me);
}

/** The notification for a live message, or null for our own. */
export function messageNotification(m: WireMessage): { title: string; body: string } | null {
  const chat = useChat.getState();
  if (chat.me === null || m.author.id === chat.me) return null;
  const room = chat.rooms[m.room_id];
  const where = room?.kind === 'dm' ? ' (direct message)' : room?.name ? ` in #${room.name}` : '';
  const myName = useSession.getState().user?.name ?? '';
  const title = isMention(m) || mentions(m.text, myName) ? `${m.author.name} mentioned you${where}` : `${m.author.name}${where}`;
  const flat = m.text.replace(/\s+/g, ' ').trim();
  const body = flat.length > BODY_CHARS ? `${flat.slice(0, BODY_CHARS - 1)}…` : flat;
  return { title, body };
}

function externalLinkClick(e: MouseEvent): void {
  if (e.defaultPrevented || (e.type === 'click' ? e.button !== 0 : e.button !== 1)) return;
  const anchor = e.target instanceof Element ? e.target.closest('a[href]') : null;
  if (!(anchor instanceof HTMLAnchorElement)) return;
  let url: URL;
  try {
    url = new URL(anchor.href, window.location.href);
  } catch {
    return;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return;
  if (url.origin === window.location.origin) return;
  if (openExternal(url.href)) e.preventDefault();
}

export function useDesktopBridge(): void {
  const total = useChat((s) => totalUnread(s, false));

  useEffect(() => {
    void desktopApi(); // start detecting now, so a first link click already knows
    document.addEventListener('click', externalLinkClick);
    document.addEventListener('auxclick', externalLinkClick);
    const off = onEvent<WireMessage>(EVENTS.messageCreated, (m) => {
      // A mention (or a DM) notifies even while the window is focused on another room.
      const elsewhere = m.room_id !== useChat.getState().activeRoomId;
      const addressed = isMention(m) || useChat.getState().rooms[m.room_id]?.kind === 'dm';
      if (document.hasFocus() && !(addressed && elsewhere)) return;
      const note = messageNotification(m);
      if (note) notify(note.title, note.body);
    });
    return () => {
      document.removeEventListener('click', externalLinkClick);
      document.removeEventListener('auxclick', externalLinkClick);
      off();
    };
  }, []);

  useEffect(() => {
    setUnread(total);
  }, [total]);
}
