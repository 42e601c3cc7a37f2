/**
 * The enlarged image over everything; Esc, the close button or a click outside closes it.
 * Rendered into <body>: message rows are transformed (virtual list), which would trap a fixed box.
 */
import { useRef } from 'react';
import { createPortal } from 'react-dom';

import { useModal } from '@/components/ui/use-modal';
import type { WireFile } from '@/lib/protocol';
import { formatBytes } from '@/lib/upload';

export function Lightbox({ file, url, onClose }: { file: WireFile; url: string; onClose: () => void }) {
  const closeRef = useRef<HTMLButtonElement>(null);

  useModal(onClose, () => closeRef.current?.focus());

  return createPortal(
    <div
      className="lightbox"
      role="dialog"
      aria-modal="true"
      aria-label={file.name}
      onMouseDown={(e) => e.target === e.currentTarget && onClose()}
    >
      <figure className="lightbox-figure">
        <img src={url} alt={file.name} />
        <figcaption>
          <span className="file-name">{file.name}</span> <span className="muted">{formatBytes(file.size)}</span>{' '}
          <a href={url} download={file.name}>
            Download
          </a>
        </figcaption>
      </figure>
      <button ref={closeRef} type="button" className="lightbox-close" aria-label="Close image" onClick={onClose}>
        ×
      </button>
    </div>,
    document.body,
  );
}
