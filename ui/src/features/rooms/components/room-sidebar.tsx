/** The rooms you are in (unread and mention badges), direct messages, other rooms to join, "New room". */
import { type ReactNode, useState } from 'react';

import { useChat } from '@/features/chat';
import { DmList } from '@/features/dms';
import { openRoom } from '@/features/rooms/api/rooms';
import { useUnread } from '@/features/rooms/hooks/use-unread';
import type { WireRoom } from '@/lib/protocol';

import { NewRoomDialog } from './new-room-dialog';
import { UnreadBadge } from './unread-badge';

/** Open a room, then let the caller close whatever drawer or dialog led there. */
function pickRoom(roomId: number, onPick: () => void): void {
  void openRoom(roomId);
  onPick();
}

function RoomLink({ room, active, onPick }: { room: WireRoom; active: boolean; onPick: () => void }) {
  const { count: unread, mentions } = useUnread(room.id);
  return (
    <li>
      <button
        type="button"
        className={`room-link${active ? ' active' : ''}${unread > 0 ? ' unread' : ''}`}
        aria-current={active ? 'page' : undefined}
        onClick={() => pickRoom(room.id, onPick)}
      >
        <span className="hash" aria-hidden="true">
          #
        </span>
        {/* Read as "general, 3 unread": the comma is a pause before the badge's label. */}
        <span className="room-name">
          {room.name}
          {unread > 0 && <span className="sr-only">,</span>}
        </span>
        <UnreadBadge count={unread} mentions={mentions} />
      </button>
    </li>
  );
}

/** `footer`: host-wide tools composed by app/ (nearby hosts, self-check). */
export function RoomSidebar({ onPick, footer }: { onPick: () => void; footer?: ReactNode }) {
  const rooms = useChat((s) => s.rooms);
  const activeRoomId = useChat((s) => s.activeRoomId);
  const [creating, setCreating] = useState(false);
  const all = Object.values(rooms)
    .filter((r) => r.kind !== 'dm')
    .sort((a, b) => a.name.localeCompare(b.name));
  const mine = all.filter((r) => r.member);
  const others = all.filter((r) => !r.member);

  return (
    <nav className="sidebar" aria-label="Rooms">
      <div className="sidebar-head">
        <h2>Rooms</h2>
        <button type="button" className="small" onClick={() => setCreating(true)}>
          New room
        </button>
      </div>
      <ul className="room-list">
        {mine.map((room) => (
          <RoomLink key={room.id} room={room} active={room.id === activeRoomId} onPick={onPick} />
        ))}
      </ul>
      <DmList onPick={onPick} />
      {others.length > 0 && (
        <>
          <h3 className="sidebar-sub">Other rooms</h3>
          <ul className="room-list" aria-label="Other rooms">
            {others.map((room) => (
              <li key={room.id}>
                <button
                  type="button"
                  className="room-link other"
                  aria-label={`Join #${room.name}`}
                  onClick={() => pickRoom(room.id, onPick)}
                >
                  <span className="hash" aria-hidden="true">
                    #
                  </span>
                  <span className="room-name">{room.name}</span>
                  <span className="join-hint">Join</span>
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      <p className="sidebar-hint muted">
        <kbd>Ctrl</kbd>+<kbd>K</kbd> to jump to a room
      </p>
      {footer && <div className="sidebar-foot">{footer}</div>}
      {creating && <NewRoomDialog onClose={() => setCreating(false)} onCreated={onPick} />}
    </nav>
  );
}
