/** Alt+↑/↓ opens the previous/next room of the sidebar; Alt+Shift+↑/↓ the previous/next unread one. */
import { useEffect } from 'react';

import { unreadCount, useChat } from '@/features/chat';
import { openRoom } from '@/features/rooms/api/rooms';
import { nextRoom, sidebarOrder } from '@/features/rooms/lib/room-order';

export function useRoomKeys(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey || e.ctrlKey || e.metaKey || (e.key !== 'ArrowUp' && e.key !== 'ArrowDown')) return;
      const state = useChat.getState();
      const unread = e.shiftKey ? (id: number) => unreadCount(state, id) > 0 : undefined;
      const id = nextRoom(sidebarOrder(state.rooms), state.activeRoomId, e.key === 'ArrowDown' ? 1 : -1, unread);
      e.preventDefault();
      if (id !== null) void openRoom(id).catch(() => undefined);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
