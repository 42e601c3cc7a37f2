import { useEffect } from 'react';

import { useChat } from '@/features/chat/stores/chat-store';

/** "Ana is typing…" for the open room; entries expire after ~5 s (protocol.md). */
export function TypingIndicator({ roomId }: { roomId: number }) {
  const typists = useChat((s) => s.typing[roomId]);
  const prune = useChat((s) => s.pruneTyping);
  const names = Object.values(typists ?? {}).map((t) => t.name);

  useEffect(() => {
    if (names.length === 0) return;
    const t = setInterval(() => prune(), 1000);
    return () => clearInterval(t);
  }, [names.length, prune]);

  let text = '';
  if (names.length === 1) text = `${names[0]} is typing…`;
  else if (names.length === 2) text = `${names[0]} and ${names[1]} are typing…`;
  else if (names.length > 2) text = 'Several people are typing…';
  return (
    <div className="typing" aria-live="polite">
      {text}
    </div>
  );
}
