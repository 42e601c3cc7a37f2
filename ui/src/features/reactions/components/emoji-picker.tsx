/**
 * A small built-in emoji picker: search, categories, recently used. It opens on the overlay layer
 * next to the button that opened it, flipped to stay whole on screen; Esc or a click outside closes
 * it, arrow keys move through the grid.
 */
import { type KeyboardEvent, useMemo, useRef, useState } from 'react';

import { Popover } from '@/components/ui/popover';
import { EMOJI_CATEGORIES, type Emoji, emojiName, searchEmoji } from '@/features/reactions/lib/emoji-data';
import { recentEmoji, rememberEmoji } from '@/features/reactions/lib/recent-emoji';

const WIDTH = 320;
const HEIGHT = 360;
const COLUMNS = 8;

type Props = {
  /** The element the picker belongs to (it opens beside it). */
  anchor: HTMLElement | null;
  onPick: (emoji: string) => void;
  onClose: () => void;
};

export function EmojiPicker({ anchor, onPick, onClose }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  const [query, setQuery] = useState('');
  const [category, setCategory] = useState<string>(() => (recentEmoji().length ? 'recent' : EMOJI_CATEGORIES[0]!.id));
  const recent = useMemo(() => recentEmoji().map((char) => ({ char, name: emojiName(char) })), []);
  const shown: Emoji[] = query.trim()
    ? searchEmoji(query)
    : category === 'recent'
      ? recent
      : (EMOJI_CATEGORIES.find((c) => c.id === category)?.emoji ?? []);

  const pick = (char: string) => {
    rememberEmoji(char);
    onPick(char);
  };

  // Arrow keys move between the emoji buttons of the grid.
  const onGridKey = (e: KeyboardEvent<HTMLDivElement>) => {
    const buttons = [...(e.currentTarget.querySelectorAll<HTMLButtonElement>('button.emoji') ?? [])];
    const i = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (i < 0) return;
    const step = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: COLUMNS, ArrowUp: -COLUMNS }[e.key];
    if (step === undefined) return;
    e.preventDefault();
    buttons[Math.min(buttons.length - 1, Math.max(0, i + step))]?.focus();
  };

  const tabs = [
    ...(recent.length ? [{ id: 'recent', label: 'Recently used', icon: '🕘' }] : []),
    ...EMOJI_CATEGORIES.map(({ id, label, icon }) => ({ id, label, icon })),
  ];

  return (
    <Popover
      anchor={anchor}
      onClose={onClose}
      className="emoji-picker"
      label="Emoji picker"
      prefer="end"
      style={{ width: WIDTH, height: HEIGHT }}
    >
      <div ref={ref} className="emoji-picker-inner">
        <input
          type="search"
          className="emoji-search"
          aria-label="Search emoji"
          placeholder="Search emoji"
          value={query}
          autoFocus
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && shown[0]) {
              e.preventDefault();
              pick(shown[0].char);
            }
            if (e.key === 'ArrowDown') {
              e.preventDefault();
              ref.current?.querySelector<HTMLButtonElement>('button.emoji')?.focus();
            }
          }}
        />
        {!query.trim() && (
          <div className="emoji-tabs" role="tablist" aria-label="Emoji categories">
            {tabs.map((t) => (
              <button
                key={t.id}
                type="button"
                role="tab"
                aria-selected={category === t.id}
                aria-label={t.label}
                title={t.label}
                className={category === t.id ? 'active' : undefined}
                onClick={() => setCategory(t.id)}
              >
                {t.icon}
              </button>
            ))}
          </div>
        )}
        <div className="emoji-grid" onKeyDown={onGridKey}>
          {shown.length === 0 && <p className="muted small-text">No emoji found.</p>}
          {shown.map((e) => (
            <button
              key={e.char}
              type="button"
              className="emoji"
              aria-label={e.name.split(' ')[0]}
              title={`:${e.name.split(' ')[0]}:`}
              onClick={() => pick(e.char)}
            >
              {e.char}
            </button>
          ))}
        </div>
      </div>
    </Popover>
  );
}
