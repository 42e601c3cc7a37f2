/** The emoji offered while typing `:name` in the composer (keyboard: see composer). */
import type { Shortcode } from '@/features/chat/lib/shortcodes';

type Props = {
  id: string;
  options: Shortcode[];
  selected: number;
  onPick: (option: Shortcode) => void;
  onHover: (index: number) => void;
};

export function shortcodeOptionId(listId: string, index: number): string {
  return `${listId}-emoji-${index}`;
}

export function ShortcodePopup({ id, options, selected, onPick, onHover }: Props) {
  if (options.length === 0) return null;
  return (
    <ul className="mention-popup shortcode-popup" role="listbox" id={id} aria-label="Emoji">
      {options.map((o, i) => (
        <li
          key={o.code}
          id={shortcodeOptionId(id, i)}
          role="option"
          aria-selected={i === selected}
          className={i === selected ? 'selected' : undefined}
          // mousedown, not click: the textarea must keep focus and its caret.
          onMouseDown={(e) => {
            e.preventDefault();
            onPick(o);
          }}
          onMouseEnter={() => onHover(i)}
        >
          <span className="shortcode-emoji" aria-hidden="true">
            {o.emoji}
          </span>
          <span className="mention-name">:{o.code}:</span>
        </li>
      ))}
    </ul>
  );
}
