/** Host settings, "Export": the whole host as a zip (docs/export.md), saved by the browser. */
import { ExportStatus, useExport } from '@/features/export';

export function ExportSection() {
  const { state, start } = useExport({ scope: 'host' }, 'host');
  return (
    <section className="admin-section" aria-label="Export">
      <h3>Export</h3>
      <p className="muted small-text">
        Every room, message, user and file, in one zip you can keep, read with other tools, or import into a Parley host
        again. Devices and the join code are not included.
      </p>
      <div className="row">
        <button type="button" className="small" disabled={state.status === 'working'} onClick={() => void start()}>
          Export whole host
        </button>
      </div>
      <ExportStatus state={state} />
    </section>
  );
}
