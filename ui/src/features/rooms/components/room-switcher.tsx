/** Ctrl+K: type part of a room's name, Enter to open it. */
import { type KeyboardEvent, useCallback, useEffect, useState } from 'react';

import { Dialog } from '@/components/ui/dialog';
import { useChat } from '@/features/chat';
import { roomName, roomTitle } from '@/features/dms';
import { openRoom } from '@/features/rooms/api/rooms';

export function RoomSwitcher() {
  const [open, setOpen] = useState(false);
  const [query, setQuery] = useState('');
  const [index, setIndex] = useState(0);
  const rooms = useChat((s) => s.rooms);
  const me = useChat((s) => s.me);
  const close = useCallback(() => setOpen(false), []);

  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        setQuery('');
        setIndex(0);
        setOpen(true);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  if (!open) return null;
  const q = query.trim().toLowerCase().replace(/^#/, '');
  const matches = Object.values(rooms)
    .filter((r) => (r.kind !== 'dm' || r.member) && roomName(r, me).toLowerCase().includes(q))
    .sort((a, b) => Number(b.member) - Number(a.member) || roomName(a, me).localeCompare(roomName(b, me)));
  const pick = (id: number) => {
    setOpen(false);
    void openRoom(id);
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setIndex((i) => Math.min(i + 1, matches.length - 1));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setIndex((i) => Math.max(i - 1, 0));
    } else if (e.key === 'Enter') {
      e.preventDefault();
      const room = matches[index];
      if (room) pick(room.id);
    }
  };

  return (
    <Dialog title="Jump to a room" onClose={close}>
      <input
        aria-label="Room to jump to"
        role="combobox"
        aria-expanded="true"
        aria-controls="room-switcher-list"
        aria-activedescendant={matches[index] ? `switch-${matches[index].id}` : undefined}
        placeholder="Type a room name"
        value={query}
        onChange={(e) => {
          setQuery(e.target.value);
          setIndex(0);
        }}
        onKeyDown={onKey}
      />
      <ul id="room-switcher-list" role="listbox" className="switcher-list" aria-label="Rooms">
        {matches.map((room, i) => (
          <li
            key={room.id}
            id={`switch-${room.id}`}
            role="option"
            aria-selected={i === index}
            className={i === index ? 'selected' : undefined}
            onMouseDown={(e) => {
              e.preventDefault();
              pick(room.id);
            }}
          >
            {roomTitle(room, me)}
            {!room.member && <span className="muted"> — join</span>}
          </li>
        ))}
        {matches.length === 0 && <li className="muted">No room matches.</li>}
      </ul>
    </Dialog>
  );
}
