import { useCallback, useEffect, useRef, useState } from 'react';

import { downloadBlob, FileHttpError, isAbort } from '@/lib/file-api';
import { filePath, type WireFile } from '@/lib/protocol';
import { useSession } from '@/stores/session-store';

export type DownloadState =
  | { status: 'idle' }
  | { status: 'loading'; received: number; total: number }
  | { status: 'done' }
  | { status: 'error'; message: string };

// The browser copies the blob into its download as the click is handled; the URL only has to
// live until then. A minute covers a slow save dialog.
const REVOKE_AFTER_MS = 60_000;

/** Hand bytes to the browser as a download named `name` (never opened in the page). */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), REVOKE_AFTER_MS);
}

/** Fetch a file with the bearer token and progress, then save it. */
export function useDownload(file: WireFile) {
  const [state, setState] = useState<DownloadState>({ status: 'idle' });
  const abort = useRef<AbortController | null>(null);

  useEffect(() => () => abort.current?.abort(), []);

  const start = useCallback(async () => {
    abort.current?.abort();
    const controller = new AbortController();
    abort.current = controller;
    setState({ status: 'loading', received: 0, total: file.size });
    try {
      const blob = await downloadBlob(
        filePath(file.id),
        useSession.getState().token,
        (received, total) => setState({ status: 'loading', received, total: total || file.size }),
        controller.signal,
      );
      saveBlob(blob, file.name);
      setState({ status: 'done' });
    } catch (err) {
      if (isAbort(err)) {
        setState({ status: 'idle' });
        return;
      }
      setState({ status: 'error', message: err instanceof FileHttpError ? err.message : 'The download failed.' });
    }
  }, [file.id, file.name, file.size]);

  const cancel = useCallback(() => abort.current?.abort(), []);
  return { state, start, cancel };
}
