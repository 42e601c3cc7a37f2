/** The room header's way to the notification settings (this room first); the sidebar's is in the app. */
import { useCallback, useState } from 'react';

import { useChat } from '@/features/chat';
import { levelOf } from '@/features/notifications/lib/decide';
import { useNotify } from '@/features/notifications/stores/notify-store';

import { BellIcon } from './bell-icon';
import { LEVEL_TEXT, NotifyDialog } from './notify-dialog';

/** The open room's bell in the header; struck through while the room is muted or DND is on. */
export function RoomNotifyButton({ roomId }: { roomId: number }) {
  const room = useChat((s) => s.rooms[roomId]);
  const level = useNotify((s) => levelOf(s.settings, roomId));
  const dnd = useNotify((s) => s.settings.dnd);
  const [open, setOpen] = useState(false);
  const close = useCallback(() => setOpen(false), []);
  if (!room?.member) return null;
  const state = dnd ? 'Do not disturb is on' : LEVEL_TEXT[level];
  return (
    <>
      <button
        type="button"
        className="small topbar-tool"
        aria-label="Room notifications"
        title={`Notifications: ${state}`}
        onClick={() => setOpen(true)}
      >
        <BellIcon off={dnd || level === 'nothing'} />
        <span className="topbar-tool-label">Notifications</span>
      </button>
      {open && <NotifyDialog roomId={roomId} onClose={close} />}
    </>
  );
}
