import { useEffect } from 'react';

import { totalUnread, unreadCount, useChat } from '@/stores/chat-store';

export function useUnread(roomId: number): number {
  return useChat((s) => unreadCount(s, roomId));
}

/** Keep `(N) Parley` in the window title. */
export function useTitleUnread(): void {
  const total = useChat((s) => totalUnread(s, false));
  useEffect(() => {
    document.title = total > 0 ? `(${total}) Parley` : 'Parley';
  }, [total]);
}
