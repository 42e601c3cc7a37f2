/** One line saying how an export is going (shared by the host settings and the DM list). */
import './export.css';

import type { ExportState } from '@/features/export/hooks/use-export';
import { formatBytes } from '@/lib/upload';

export function ExportStatus({ state }: { state: ExportState }) {
  if (state.status === 'working') {
    return (
      <p className="export-status muted small-text" role="status">
        {state.received > 0 ? `Downloading… ${formatBytes(state.received)}` : 'Preparing the archive…'}
      </p>
    );
  }
  if (state.status === 'done') {
    return (
      <p className="export-status ok small-text" role="status">
        Saved {state.name}.
      </p>
    );
  }
  if (state.status === 'error') {
    return (
      <p className="export-status error small-text" role="alert">
        {state.message}
      </p>
    );
  }
  return null;
}
