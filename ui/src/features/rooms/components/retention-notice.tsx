/** The room header's line saying how long messages are kept, when they are not kept forever. */
import './retention.css';

import { useChat } from '@/features/chat';
import { retentionNotice } from '@/features/rooms/lib/retention';

export function RetentionNotice({ roomId }: { roomId: number }) {
  const days = useChat((s) => s.rooms[roomId]?.retention_days);
  const text = retentionNotice(days);
  if (!text) return null;
  return (
    <p className="retention-notice small-text" role="note" aria-label="Retention">
      {text}
    </p>
  );
}
