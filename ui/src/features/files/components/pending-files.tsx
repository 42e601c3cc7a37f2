/**
 * The composer's finished uploads waiting for Send: a thumbnail for images (from the picked file,
 * nothing is fetched), the name and the size, and × to leave a file out.
 */
import { thumbnailOf } from '@/features/files/stores/uploads-store';
import type { WireFile } from '@/lib/protocol';
import { formatBytes } from '@/lib/upload';
import { useCompose } from '@/stores/compose-store';

import { FileIcon } from './icons';

export function PendingFiles({ roomId, files }: { roomId: number; files: WireFile[] }) {
  if (files.length === 0) return null;
  return (
    <ul className="pending-files" aria-label="Files to send">
      {files.map((f) => {
        const thumb = thumbnailOf(f.id);
        return (
          <li key={f.id}>
            {thumb ? <img className="pending-thumb" src={thumb} alt="" /> : <FileIcon />}
            <span className="file-name" title={f.name}>
              {f.name}
            </span>
            <span className="file-size">{formatBytes(f.size)}</span>
            <button
              type="button"
              className="icon-button"
              aria-label={`Remove ${f.name}`}
              onClick={() => useCompose.getState().removeAttachment(roomId, f.id)}
            >
              ×
            </button>
          </li>
        );
      })}
    </ul>
  );
}
