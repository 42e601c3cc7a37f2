/** "Export my direct messages": a small button for the DM list's header (docs/export.md, scope
 * mine); the list shows how it goes with ExportStatus under its header. */
import type { ExportState } from '@/features/export/hooks/use-export';

export function ExportMyDmsButton({ state, start }: { state: ExportState; start: () => Promise<void> }) {
  return (
    <button
      type="button"
      className="icon-button small-icon"
      aria-label="Export my direct messages"
      title="Export my direct messages (a zip)"
      disabled={state.status === 'working'}
      onClick={() => void start()}
    >
      ⤓
    </button>
  );
}
