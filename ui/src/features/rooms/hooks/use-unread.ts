import { useEffect } from 'react';

import { totalUnread, unreadCount, unreadMentions, useChat } from '@/features/chat';

export type Unread = { count: number; mentions: number };

export function useUnread(roomId: number): Unread {
  const count = useChat((s) => unreadCount(s, roomId));
  const mentions = useChat((s) => unreadMentions(s, roomId));
  return { count, mentions };
}

/** Keep `(N) Parley` in the window title. */
export function useTitleUnread(): void {
  const total = useChat((s) => totalUnread(s, false));
  useEffect(() => {
    document.title = total > 0 ? `(${total}) Parley` : 'Parley';
  }, [total]);
}
