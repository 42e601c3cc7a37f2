import { type FormEvent, useCallback, useState } from 'react';

import { Dialog, DialogActions } from '@/components/ui/dialog';
import { createRoom } from '@/features/rooms/api/rooms';
import { RequestError } from '@/lib/request-error';

/** `onCreated` runs once the new room is open (the phone's rooms drawer closes then). */
export function NewRoomDialog({ onClose, onCreated }: { onClose: () => void; onCreated?: () => void }) {
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const close = useCallback(() => onClose(), [onClose]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await createRoom(name);
      onClose();
      onCreated?.();
    } catch (err) {
      setError(err instanceof RequestError ? err.message : 'Could not create the room.');
      setBusy(false);
    }
  };

  return (
    <Dialog title="New room" onClose={close}>
      <form onSubmit={submit} className="stack">
        <label htmlFor="new-room-name">Room name</label>
        <input
          id="new-room-name"
          value={name}
          maxLength={32}
          placeholder="e.g. lunch-plans"
          onChange={(e) => setName(e.target.value)}
          required
        />
        <p className="muted small-text">Lowercase letters, digits, - and _. Spaces become -.</p>
        <DialogActions error={error} onCancel={close}>
          <button type="submit" className="primary" disabled={busy || !name.trim()}>
            Create
          </button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
