/**
 * A message's reactions as chips: emoji and count, pressed when I reacted (click toggles), with a
 * title naming who reacted; then a button that opens the picker to add one.
 */
import { memo, useRef, useState } from 'react';

import { useChat } from '@/features/chat';
import { reactionLabel } from '@/features/reactions/lib/spoken-name';
import { MAX_REACTIONS, type WireReaction } from '@/lib/protocol';

import { EmojiPicker } from './emoji-picker';

/** "ana, bob and 3 others" (names from the users we know; "you" for me). */
export function reactorNames(userIds: number[], me: number | null, names: Record<number, { name: string }>): string {
  const list = userIds.map((id) => (id === me ? 'you' : (names[id]?.name ?? 'someone')));
  if (list.length <= 1) return list.join('');
  const shownMax = 8;
  if (list.length > shownMax) return `${list.slice(0, shownMax).join(', ')} and ${list.length - shownMax} others`;
  return `${list.slice(0, -1).join(', ')} and ${list.at(-1)}`;
}

type Props = {
  reactions: WireReaction[];
  onToggle: (emoji: string, on: boolean) => void;
};

export const ReactionChips = memo(function ReactionChips({ reactions, onToggle }: Props) {
  const me = useChat((s) => s.me);
  const users = useChat((s) => s.users);
  const [picking, setPicking] = useState(false);
  const addRef = useRef<HTMLButtonElement>(null);
  if (reactions.length === 0) return null;

  return (
    <div className="reactions" role="group" aria-label="Reactions">
      {reactions.map((r) => {
        const mine = me !== null && r.user_ids.includes(me);
        const who = reactorNames(r.user_ids, me, users);
        return (
          <button
            key={r.emoji}
            type="button"
            className={`reaction${mine ? ' mine' : ''}`}
            aria-pressed={mine}
            aria-label={`${reactionLabel(r.emoji, r.user_ids.length)}, reacted by ${who}`}
            title={`${who} reacted with ${r.emoji}`}
            onClick={() => onToggle(r.emoji, !mine)}
          >
            <span className="reaction-emoji">{r.emoji}</span>
            <span className="reaction-count">{r.user_ids.length}</span>
          </button>
        );
      })}
      {reactions.length < MAX_REACTIONS && (
        <button
          ref={addRef}
          type="button"
          className="reaction add-reaction"
          aria-label="Add reaction"
          title="Add reaction"
          onClick={() => setPicking((p) => !p)}
        >
          <span aria-hidden="true">☺+</span>
        </button>
      )}
      {picking && (
        <EmojiPicker
          anchor={addRef.current}
          onClose={() => setPicking(false)}
          onPick={(emoji) => {
            setPicking(false);
            const mine = reactions.find((r) => r.emoji === emoji)?.user_ids.includes(me ?? -1) ?? false;
            if (!mine) onToggle(emoji, true);
          }}
        />
      )}
    </div>
  );
});
