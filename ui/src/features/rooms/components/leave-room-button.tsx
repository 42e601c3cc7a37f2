/**
 * "Leave room" for the open room, after a confirmation; not shown in `general`, which nobody can
 * leave, nor in DMs.
 */
import { useState } from 'react';

import { Dialog } from '@/components/ui/dialog';
import { useChat } from '@/features/chat';
import { leaveRoom } from '@/features/rooms/api/rooms';
import { RequestError } from '@/lib/request-error';

// The host's name for the room everyone is in (docs/protocol.md: leave_room).
const GENERAL = 'general';

export function LeaveRoomButton({ roomId }: { roomId: number }) {
  const room = useChat((s) => s.rooms[roomId]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  if (!room || !room.member || room.name === GENERAL || room.kind === 'dm') return null;

  const leave = async () => {
    setConfirming(false);
    setBusy(true);
    setError(null);
    try {
      await leaveRoom(roomId);
    } catch (err) {
      setError(err instanceof RequestError ? err.message : 'Could not leave the room.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      {error && (
        <span className="error small-text" role="alert">
          {error}
        </span>
      )}
      <button
        type="button"
        className="small"
        disabled={busy}
        aria-label="Leave room"
        title={`Leave #${room.name}`}
        onClick={() => setConfirming(true)}
      >
        Leave<span className="hide-narrow"> room</span>
      </button>
      {confirming && (
        <Dialog title={`Leave #${room.name}?`} onClose={() => setConfirming(false)}>
          <p>You will stop getting its messages. You can join it again from “Other rooms”.</p>
          <div className="row-end">
            <button type="button" onClick={() => setConfirming(false)}>
              Cancel
            </button>
            <button type="button" className="danger" onClick={() => void leave()}>
              Leave
            </button>
          </div>
        </Dialog>
      )}
    </>
  );
}
