/** The sidebar's "Direct messages": each DM by its other participants, newest first, with badges. */
import { useState } from 'react';

import { Avatar } from '@/components/ui/avatar';
import { useChat } from '@/features/chat';
import { dmOthers, roomName } from '@/features/dms/lib/room-label';
import { ExportMyDmsButton, ExportStatus, useExport } from '@/features/export';
import { openRoom, UnreadBadge, useUnread } from '@/features/rooms';
import type { WireRoom } from '@/lib/protocol';
import { useSession } from '@/stores/session-store';

import { NewDmDialog } from './new-dm-dialog';

import './dms.css';

function DmLink({ room, active, onPick }: { room: WireRoom; active: boolean; onPick: () => void }) {
  const me = useChat((s) => s.me);
  const users = useChat((s) => s.users);
  const { count, mentions } = useUnread(room.id);
  const others = dmOthers(room, me);
  const name = roomName(room, me);
  const online = others.length === 1 && !!users[others[0]!.id]?.online;
  // Disconnected, whether they are online is unknown.
  const known = useSession((s) => s.status === 'connected');
  return (
    <li>
      <button
        type="button"
        className={`room-link dm-link${active ? ' active' : ''}${count > 0 ? ' unread' : ''}`}
        aria-current={active ? 'page' : undefined}
        onClick={() => {
          void openRoom(room.id);
          onPick();
        }}
      >
        {others.length === 1 ? (
          <span
            className={`dot${!known ? ' unknown' : online ? ' on' : ''}`}
            role="img"
            aria-label={!known ? 'status unknown' : online ? 'online' : 'offline'}
          />
        ) : (
          <span className="group-count" aria-hidden="true">
            {others.length + 1}
          </span>
        )}
        {others.length === 1 && <Avatar user={users[others[0]!.id] ?? others[0]!} />}
        <span className="room-name">{name}</span>
        <UnreadBadge count={count} mentions={mentions} dm />
      </button>
    </li>
  );
}

export function DmList({ onPick }: { onPick: () => void }) {
  const rooms = useChat((s) => s.rooms);
  const activeRoomId = useChat((s) => s.activeRoomId);
  const [creating, setCreating] = useState(false);
  const exporting = useExport({ scope: 'mine' }, 'my-direct-messages');
  const dms = Object.values(rooms)
    .filter((r) => r.kind === 'dm' && r.member)
    .sort((a, b) => b.last_message_id - a.last_message_id || b.id - a.id);

  return (
    <section className="dm-section" aria-label="Direct messages">
      <div className="sidebar-head sidebar-sub-head">
        <h3 className="sidebar-sub">Direct messages</h3>
        <span className="sidebar-head-tools">
          {dms.length > 0 && <ExportMyDmsButton state={exporting.state} start={exporting.start} />}
          <button
            type="button"
            className="icon-button small-icon"
            aria-label="New direct message"
            title="New direct message"
            onClick={() => setCreating(true)}
          >
            +
          </button>
        </span>
      </div>
      <ExportStatus state={exporting.state} />
      <ul className="room-list">
        {dms.length === 0 && <li className="muted small-text dm-empty">Message someone from the people list.</li>}
        {dms.map((room) => (
          <DmLink key={room.id} room={room} active={room.id === activeRoomId} onPick={onPick} />
        ))}
      </ul>
      {creating && <NewDmDialog onClose={() => setCreating(false)} />}
    </section>
  );
}
