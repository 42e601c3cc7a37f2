/**
 * The bar that appears over a message on hover or focus: quick reactions, the emoji picker,
 * reply, and (for mine; any for the host user) edit and delete.
 */
import { useRef, useState } from 'react';

import { emojiName, EmojiPicker, QUICK_REACTIONS } from '@/features/reactions';

type Props = {
  canEdit: boolean;
  canDelete: boolean;
  onReact: (emoji: string) => void;
  onReply: () => void;
  onEdit: () => void;
  onDelete: () => void;
};

export function MessageActions({ canEdit, canDelete, onReact, onReply, onEdit, onDelete }: Props) {
  const [picking, setPicking] = useState(false);
  const pickRef = useRef<HTMLButtonElement>(null);
  return (
    <div className={`msg-actions${picking ? ' open' : ''}`} role="toolbar" aria-label="Message actions">
      {QUICK_REACTIONS.map((e) => (
        <button key={e} type="button" aria-label={`React with ${emojiName(e)}`} title={`React with ${e}`} onClick={() => onReact(e)}>
          {e}
        </button>
      ))}
      <button
        ref={pickRef}
        type="button"
        aria-label="Add reaction"
        title="Add reaction"
        aria-expanded={picking}
        onClick={() => setPicking((p) => !p)}
      >
        <span aria-hidden="true">☺+</span>
      </button>
      <button type="button" aria-label="Reply" title="Reply" onClick={onReply}>
        <span aria-hidden="true">↩</span>
      </button>
      {canEdit && (
        <button type="button" aria-label="Edit" title="Edit" onClick={onEdit}>
          <span aria-hidden="true">✎</span>
        </button>
      )}
      {canDelete && (
        <button type="button" className="danger-icon" aria-label="Delete" title="Delete" onClick={onDelete}>
          <span aria-hidden="true">🗑</span>
        </button>
      )}
      {picking && (
        <EmojiPicker
          anchor={pickRef.current}
          onClose={() => setPicking(false)}
          onPick={(emoji) => {
            setPicking(false);
            onReact(emoji);
          }}
        />
      )}
    </div>
  );
}
