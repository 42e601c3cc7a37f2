import { useState } from 'react';

import { retryImage } from '@/features/files/blob-cache';
import { useImage } from '@/features/files/hooks/use-image';
import type { WireFile } from '@/lib/protocol';

import { Lightbox } from './lightbox';
import { ProgressLine } from './progress-line';

/** An inline preview in a fixed box (rows keep their height while the bytes arrive). */
export function ImagePreview({ file }: { file: WireFile }) {
  const state = useImage(file.id);
  const [open, setOpen] = useState(false);

  if (state.status === 'ready') {
    return (
      <>
        <button type="button" className="image-thumb" aria-label={`Open image ${file.name}`} onClick={() => setOpen(true)}>
          <img src={state.url} alt={file.name} draggable={false} />
        </button>
        {open && <Lightbox file={file} url={state.url} onClose={() => setOpen(false)} />}
      </>
    );
  }
  return (
    <div className="image-thumb image-loading">
      <span className="file-name" title={file.name}>
        {file.name}
      </span>
      {state.status === 'loading' ? (
        <ProgressLine label={`Loading image ${file.name}`} done={state.received} total={state.total || file.size} />
      ) : (
        <span className="error" role="alert">
          {state.message}{' '}
          <button type="button" className="link-button" onClick={() => retryImage(file.id)}>
            Retry
          </button>
        </span>
      )}
    </div>
  );
}
