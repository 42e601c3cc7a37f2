/** "Retention" for the open channel, shown to the host's own user: how long its messages are kept. */
import { type FormEvent, useCallback, useEffect, useState } from 'react';

import { Dialog, DialogActions } from '@/components/ui/dialog';
import { useChat } from '@/features/chat';
import { daysText, parseDays } from '@/features/rooms/lib/retention';
import { type AdminInfo, COMMANDS, type RoomResult } from '@/lib/protocol';
import { RequestError } from '@/lib/request-error';
import { request } from '@/lib/socket';
import { useSession } from '@/stores/session-store';

import { type RetentionChoice, RetentionChoices } from './retention-choices';

function RoomRetentionDialog({ roomId, onClose }: { roomId: number; onClose: () => void }) {
  const room = useChat((s) => s.rooms[roomId]);
  const own = room?.retention_own ?? false;
  const current = room?.retention_days ?? null;
  const [choice, setChoice] = useState<RetentionChoice>(!own ? 'default' : current === null ? 'forever' : 'days');
  const [days, setDays] = useState(own && current !== null ? String(current) : '30');
  const [hostDefault, setHostDefault] = useState<number | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    request<AdminInfo>(COMMANDS.adminInfo, {})
      .then((info) => live && setHostDefault(info.retention_days ?? null))
      .catch(() => live && setHostDefault(undefined));
    return () => {
      live = false;
    };
  }, []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    let value: number | null | 'default' = choice === 'default' ? 'default' : null;
    if (choice === 'days') {
      const parsed = parseDays(days);
      if (typeof parsed === 'string') {
        setError(parsed);
        return;
      }
      value = parsed;
    }
    setBusy(true);
    setError(null);
    try {
      const r = await request<RoomResult>(COMMANDS.adminSetRoomRetention, { room_id: roomId, days: value });
      useChat.getState().updateRoomRetention({
        room_id: roomId,
        retention_days: r.room.retention_days ?? null,
        retention_own: r.room.retention_own ?? false,
      });
      onClose();
    } catch (err) {
      setError(err instanceof RequestError ? err.message : 'The host did not accept that.');
      setBusy(false);
    }
  };

  const followText =
    hostDefault === undefined
      ? "Follow the host's default"
      : `Follow the host's default (${hostDefault === null ? 'keep forever' : daysText(hostDefault)})`;
  return (
    <Dialog title={`Retention in #${room?.name ?? ''}`} onClose={onClose}>
      <form onSubmit={(e) => void submit(e)} className="stack" noValidate>
        <RetentionChoices
          legend="Messages past this age are deleted for everyone, with their files."
          choice={choice}
          days={days}
          onChoice={setChoice}
          onDays={setDays}
          defaultLabel={followText}
        />
        <DialogActions error={error} onCancel={onClose}>
          <button type="submit" className="primary" disabled={busy}>
            Save
          </button>
        </DialogActions>
      </form>
    </Dialog>
  );
}

/** An hourglass, drawn (emoji fonts are missing on many Linux desktops). At narrow widths the
 * header shows only the icons of its tools, so the room's name keeps its room. */
function HourglassIcon() {
  return (
    <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false">
      <path
        d="M6 3h12M6 21h12M7 3c0 5 10 5 10 9s-10 4-10 9M17 3c0 5-10 5-10 9s10 4 10 9"
        fill="none"
        stroke="currentColor"
        strokeWidth="2"
        strokeLinecap="round"
      />
    </svg>
  );
}

export function RoomRetentionButton({ roomId }: { roomId: number }) {
  const isHost = useSession((s) => (s.user?.is_host || s.user?.admin) ?? false); // the admins' setting
  const room = useChat((s) => s.rooms[roomId]);
  const [open, setOpen] = useState(false);
  const close = useCallback(() => setOpen(false), []);
  if (!isHost || !room || room.kind !== 'channel') return null;
  return (
    <>
      <button
        type="button"
        className="small topbar-tool"
        aria-label="Retention"
        title={`How long #${room.name} keeps messages`}
        onClick={() => setOpen(true)}
      >
        <HourglassIcon />
        <span className="topbar-tool-label">Retention</span>
      </button>
      {open && <RoomRetentionDialog roomId={roomId} onClose={close} />}
    </>
  );
}
