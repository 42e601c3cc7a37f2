import { useDownload } from '@/features/files/hooks/use-download';
import type { WireFile } from '@/lib/protocol';
import { formatBytes } from '@/lib/upload';

import { FileIcon } from './icons';
import { ProgressLine } from './progress-line';

/** A non-image file: its name and size, and a download with progress (never opened inline). */
export function FileCard({ file }: { file: WireFile }) {
  const { state, start, cancel } = useDownload(file);
  return (
    <div className="file-card">
      <span className="file-icon">
        <FileIcon />
      </span>
      <div className="file-info">
        <span className="file-name" title={file.name}>
          {file.name}
        </span>
        {state.status === 'loading' ? (
          <ProgressLine label={`Downloading ${file.name}`} done={state.received} total={state.total} />
        ) : (
          <span className="muted small-text">
            {formatBytes(file.size)}
            {state.status === 'done' ? ' · downloaded' : ''}
          </span>
        )}
        {state.status === 'error' && (
          <span className="error small-text" role="alert">
            {state.message}
          </span>
        )}
      </div>
      {state.status === 'loading' ? (
        <button type="button" className="small" onClick={cancel} aria-label={`Cancel download of ${file.name}`}>
          Cancel
        </button>
      ) : (
        <button type="button" className="small" onClick={() => void start()} aria-label={`Download ${file.name}`}>
          Download
        </button>
      )}
    </div>
  );
}
