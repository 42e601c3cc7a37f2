/** "Leave room" for the open room; not shown in `general`, which nobody can leave, nor in DMs. */
import { useState } from 'react';

import { RequestError } from '@/lib/request-error';
import { useChat } from '@/stores/chat-store';
import { leaveRoom } from '@/stores/sync';

// The host's name for the room everyone is in (docs/protocol.md: leave_room).
const GENERAL = 'general';

export function LeaveRoomButton({ roomId }: { roomId: number }) {
  const room = useChat((s) => s.rooms[roomId]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!room || !room.member || room.name === GENERAL || room.kind === 'dm') return null;

  const leave = async () => {
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
        onClick={() => void leave()}
      >
        Leave<span className="hide-narrow"> room</span>
      </button>
    </>
  );
}
