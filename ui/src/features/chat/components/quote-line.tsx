/** The quoted message above a reply: its author and first words; a click jumps to the original. */
import { memo } from 'react';

import { jumpToMessage } from '@/features/chat/api/history';
import { useChat } from '@/features/chat/stores/chat-store';
import { markdownToText } from '@/lib/markdown';
import type { WireQuote } from '@/lib/protocol';

export const QuoteLine = memo(function QuoteLine({ quote, roomId }: { quote: WireQuote; roomId: number }) {
  const author = useChat((s) => s.users[quote.author.id]?.name ?? quote.author.name);
  if (quote.deleted) {
    return (
      <div className="quote deleted">
        <span className="quote-mark" aria-hidden="true">
          ↱
        </span>
        <span className="muted">
          {quote.expired ? 'Original message has expired (retention)' : 'Original message was deleted'}
        </span>
      </div>
    );
  }
  const snippet = markdownToText(quote.snippet);
  return (
    <button
      type="button"
      className="quote"
      title="Show the original message"
      onClick={() => void jumpToMessage(roomId, quote.id)}
    >
      {/* The name is the visible text plus hidden words around it (axe: a label must contain what
          is shown, so voice control can say what it sees). */}
      <span className="quote-mark" aria-hidden="true">
        ↱
      </span>
      <span className="sr-only">Reply to</span>{' '}
      <span className="quote-author">{author}</span>
      <span className="sr-only">:</span>{' '}
      <span className="quote-snippet">{snippet || '(attachment)'}</span>
    </button>
  );
});
