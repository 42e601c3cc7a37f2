/**
 * Download an export archive (docs/export.md) with the device token, the way files are downloaded
 * (features/files): the host builds the zip, the bytes arrive with progress, the browser saves them.
 */
import { useCallback, useEffect, useRef, useState } from 'react';

import { saveBlob } from '@/features/files';
import { downloadBlob, FileHttpError, isAbort } from '@/lib/file-api';
import { exportPath, type ExportScope } from '@/lib/protocol';
import { useSession } from '@/stores/session-store';

export type ExportState =
  | { status: 'idle' }
  | { status: 'working'; received: number }
  | { status: 'done'; name: string }
  | { status: 'error'; message: string };

/** `parley-<label>-<yyyy-mm-dd>.zip`, as the host names it too. */
export function exportFileName(label: string, now: Date = new Date()): string {
  return `parley-${label}-${now.toISOString().slice(0, 10)}.zip`;
}

export function useExport(what: ExportScope, label: string) {
  const path = exportPath(what); // a string: stable across renders for the same scope
  const [state, setState] = useState<ExportState>({ status: 'idle' });
  const abort = useRef<AbortController | null>(null);
  useEffect(() => () => abort.current?.abort(), []);

  const start = useCallback(async () => {
    abort.current?.abort();
    const controller = new AbortController();
    abort.current = controller;
    setState({ status: 'working', received: 0 });
    try {
      const blob = await downloadBlob(
        path,
        useSession.getState().token,
        (received) => setState({ status: 'working', received }),
        controller.signal,
      );
      const name = exportFileName(label);
      saveBlob(blob, name);
      setState({ status: 'done', name });
    } catch (err) {
      if (isAbort(err)) {
        setState({ status: 'idle' });
        return;
      }
      setState({ status: 'error', message: err instanceof FileHttpError ? err.message : 'The export failed.' });
    }
  }, [path, label]);

  return { state, start };
}
