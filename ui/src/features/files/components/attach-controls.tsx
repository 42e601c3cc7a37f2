/**
 * Mounted in the composer: `UploadTray` above the input row (uploads of this room with progress,
 * refusals, unfinished uploads), and `AttachButton` in the row (file picker, the drop overlay).
 * Files dropped on the window or pasted into the composer go the same way as picked ones.
 */
import '@/features/files/components/files.css';

import { useCallback, useRef } from 'react';

import { useChat } from '@/features/chat';
import { roomTitle } from '@/features/dms';
import { useDropAndPaste } from '@/features/files/hooks/use-drop-and-paste';
import { useUploads } from '@/features/files/stores/uploads-store';

import { PaperclipIcon } from './icons';
import { UploadTray } from './upload-tray';

export { UploadTray };

export function AttachButton({ roomId }: { roomId: number }) {
  const start = useUploads((s) => s.start);
  const room = useChat((s) => s.rooms[roomId]);
  const me = useChat((s) => s.me);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const inputRef = useRef<HTMLInputElement>(null);
  const onFiles = useCallback((files: File[]) => void start(roomId, files), [start, roomId]);
  const dragging = useDropAndPaste(buttonRef, onFiles);

  return (
    <>
      <button
        ref={buttonRef}
        type="button"
        className="attach-button"
        aria-label="Attach files"
        title="Attach files (or drop / paste them)"
        onClick={() => inputRef.current?.click()}
      >
        <PaperclipIcon />
      </button>
      <input
        ref={inputRef}
        type="file"
        multiple
        hidden
        aria-label="Files to attach"
        onChange={(e) => {
          const files = Array.from(e.target.files ?? []);
          e.target.value = ''; // picking the same file again must fire change again
          onFiles(files);
        }}
      />
      {dragging && (
        <div className="drop-overlay" aria-hidden="true">
          <p>Drop files to send them to {room ? roomTitle(room, me) : 'this conversation'}</p>
        </div>
      )}
    </>
  );
}
