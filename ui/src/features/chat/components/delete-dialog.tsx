/** "Delete message?" — deleting cannot be undone, so it is asked first. */
import { useState } from 'react';

import { Dialog, DialogActions } from '@/components/ui/dialog';
import { deleteMessage } from '@/features/chat/api/messages';
import type { WireMessage } from '@/lib/protocol';
import { RequestError } from '@/lib/request-error';

const PREVIEW_CHARS = 200;

export function DeleteDialog({ message, onClose }: { message: WireMessage; onClose: () => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const preview = message.text.length > PREVIEW_CHARS ? `${message.text.slice(0, PREVIEW_CHARS)}…` : message.text;

  const confirm = async () => {
    setBusy(true);
    try {
      await deleteMessage(message.id);
      onClose();
    } catch (err) {
      setError(err instanceof RequestError ? err.message : 'Could not delete the message.');
      setBusy(false);
    }
  };

  return (
    <Dialog title="Delete message?" onClose={onClose}>
      <div className="stack">
        <p className="small-text">Everyone will see that a message was deleted. This cannot be undone.</p>
        <blockquote className="delete-preview">
          <strong>{message.author.name}</strong> {preview}
        </blockquote>
        <DialogActions error={error} onCancel={onClose}>
          <button type="button" className="danger" disabled={busy} onClick={() => void confirm()}>
            Delete
          </button>
        </DialogActions>
      </div>
    </Dialog>
  );
}
