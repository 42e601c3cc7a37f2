/** The open room: its messages, who is typing, and the composer. */
import { useCallback, useMemo } from 'react';

import { useChat } from '@/stores/chat-store';
import { useOutbox } from '@/stores/outbox-store';
import { useSession } from '@/stores/session-store';
import { loadOlder } from '@/stores/sync';

import { Composer } from './composer';
import { MessageList } from './message-list';
import { TypingIndicator } from './typing-indicator';

const NO_MESSAGES: never[] = [];

export function ChatRoom({ roomId }: { roomId: number }) {
  const room = useChat((s) => s.rooms[roomId]);
  const messages = useChat((s) => s.messages[roomId] ?? NO_MESSAGES);
  const hasMore = useChat((s) => s.hasMoreBefore[roomId] ?? true);
  const loading = useChat((s) => s.loadingOlder[roomId] ?? false);
  const me = useChat((s) => s.me);
  const myName = useSession((s) => s.user?.name ?? 'You');
  const entries = useOutbox((s) => s.entries);
  const pending = useMemo(() => entries.filter((e) => e.room_id === roomId), [entries, roomId]);
  const onLoadOlder = useCallback(() => void loadOlder(roomId), [roomId]);
  const onReadBottom = useCallback(() => useChat.getState().markRead(roomId), [roomId]);

  if (!room) return null;
  return (
    <section className="chat-room" aria-label={`#${room.name}`}>
      <MessageList
        roomId={roomId}
        roomName={room.name}
        messages={messages}
        pending={pending}
        me={me}
        myName={myName}
        hasMoreBefore={hasMore && messages.length > 0}
        loadingOlder={loading}
        onLoadOlder={onLoadOlder}
        onReadBottom={onReadBottom}
      />
      <TypingIndicator roomId={roomId} />
      <Composer roomId={roomId} roomName={room.name} />
    </section>
  );
}
