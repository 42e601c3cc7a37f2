/** The list of people offered while typing `@name` in the composer (keyboard: see composer). */
import { Avatar } from '@/components/ui/avatar';
import type { WireUser } from '@/lib/protocol';

type Props = {
  id: string;
  users: WireUser[];
  selected: number;
  onPick: (user: WireUser) => void;
  onHover: (index: number) => void;
};

export function mentionOptionId(listId: string, index: number): string {
  return `${listId}-opt-${index}`;
}

export function MentionPopup({ id, users, selected, onPick, onHover }: Props) {
  if (users.length === 0) return null;
  return (
    <ul className="mention-popup" role="listbox" id={id} aria-label="People to mention">
      {users.map((u, i) => (
        <li
          key={u.id}
          id={mentionOptionId(id, i)}
          role="option"
          aria-selected={i === selected}
          className={i === selected ? 'selected' : undefined}
          // mousedown, not click: the textarea must keep focus and its caret.
          onMouseDown={(e) => {
            e.preventDefault();
            onPick(u);
          }}
          onMouseEnter={() => onHover(i)}
        >
          <span className={`dot${u.online ? ' on' : ''}`} aria-hidden="true" />
          <Avatar user={u} />
          <span className="mention-name">{u.name}</span>
          {u.is_host && <span className="tag">host</span>}
        </li>
      ))}
    </ul>
  );
}
