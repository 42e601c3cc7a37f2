/** The open room: its messages, who is typing, and the composer. */
import { type KeyboardEvent, useCallback, useMemo, useRef } from 'react';

import { jumpToPresent, loadNewer, loadOlder } from '@/features/chat/api/history';
import { useChat } from '@/features/chat/stores/chat-store';
import { roomTitle } from '@/features/dms';
import { markRoomRead, RetentionNotice } from '@/features/rooms';
import { useOutbox } from '@/stores/outbox-store';
import { useSession } from '@/stores/session-store';

import { seenText } from './build-rows';
import { Composer } from './composer';
import { MessageList } from './message-list';
import { TypingIndicator } from './typing-indicator';

import './rich-chat.css';

const NO_MESSAGES: never[] = [];

/** Reading means the page is shown and the window has focus (not merely open in the background). */
function userIsLooking(): boolean {
  return document.visibilityState === 'visible' && document.hasFocus();
}

export function ChatRoom({ roomId }: { roomId: number }) {
  const room = useChat((s) => s.rooms[roomId]);
  const messages = useChat((s) => s.messages[roomId] ?? NO_MESSAGES);
  const hasMore = useChat((s) => s.hasMoreBefore[roomId] ?? true);
  const hasMoreAfter = useChat((s) => s.hasMoreAfter[roomId] ?? false);
  const loading = useChat((s) => s.loadingOlder[roomId] ?? false);
  const me = useChat((s) => s.me);
  const newSince = useChat((s) => s.newSince[roomId]);
  // Read when opened (nothing new): open at the bottom; else on the first unread.
  const caughtUp = useChat((s) => s.followRead[roomId] ?? true);
  const scrollerRef = useRef<HTMLDivElement | null>(null);
  const marks = useChat((s) => s.readMarks[roomId]);
  const flash = useChat((s) => s.flash);
  const myName = useSession((s) => s.user?.name ?? 'You');
  const entries = useOutbox((s) => s.entries);
  const pending = useMemo(() => entries.filter((e) => e.room_id === roomId), [entries, roomId]);
  const onLoadOlder = useCallback(() => void loadOlder(roomId), [roomId]);
  const onLoadNewer = useCallback(() => void loadNewer(roomId), [roomId]);
  const onJumpToPresent = useCallback(() => void jumpToPresent(roomId), [roomId]);
  const onReadBottom = useCallback(() => {
    if (userIsLooking()) markRoomRead(roomId);
  }, [roomId]);
  const onSeen = useCallback(
    (messageId: number) => {
      if (userIsLooking()) markRoomRead(roomId, messageId);
    },
    [roomId],
  );
  // PageUp/PageDown in the composer scroll the messages (the composer keeps focus).
  const onKeyDown = (e: KeyboardEvent<HTMLElement>) => {
    if ((e.key !== 'PageUp' && e.key !== 'PageDown') || (e.target as HTMLElement).tagName !== 'TEXTAREA') return;
    const el = scrollerRef.current;
    if (!el) return;
    e.preventDefault();
    el.scrollBy({ top: (e.key === 'PageUp' ? -1 : 1) * el.clientHeight * 0.9 });
  };
  const last = messages.at(-1);
  const seen = useMemo(
    () => (room?.kind === 'dm' && !hasMoreAfter ? seenText(last, marks, room.members ?? [], me) : null),
    [room, last, marks, me, hasMoreAfter],
  );
  const extras = useMemo(() => ({ newSince, seen }), [newSince, seen]);

  if (!room) return null;
  const title = roomTitle(room, me);
  return (
    <section className="chat-room" aria-label={title} onKeyDown={onKeyDown}>
      <RetentionNotice roomId={roomId} />
      <MessageList
        roomId={roomId}
        roomName={title}
        messages={messages}
        pending={pending}
        me={me}
        myName={myName}
        hasMoreBefore={hasMore && messages.length > 0}
        hasMoreAfter={hasMoreAfter}
        loadingOlder={loading}
        onLoadOlder={onLoadOlder}
        onLoadNewer={onLoadNewer}
        onJumpToPresent={onJumpToPresent}
        onReadBottom={onReadBottom}
        onSeen={onSeen}
        landOnUnread={!caughtUp}
        scrollerRef={scrollerRef}
        extras={extras}
        flash={flash}
      />
      <TypingIndicator roomId={roomId} />
      <Composer roomId={roomId} roomName={room.kind === 'dm' ? title : room.name} />
    </section>
  );
}
