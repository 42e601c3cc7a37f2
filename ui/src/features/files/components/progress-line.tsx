import { formatBytes } from '@/lib/upload';

/** A labelled progress bar with "x of y" under it; indeterminate when the total is unknown. */
export function ProgressLine({ label, done, total, text }: { label: string; done: number; total: number; text?: string }) {
  const pct = total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : undefined;
  return (
    <div className="progress-line">
      <progress aria-label={label} max={total > 0 ? total : undefined} value={total > 0 ? done : undefined} />
      <span className="progress-text">
        {text ? `${text} ` : ''}
        {total > 0 ? `${formatBytes(done)} of ${formatBytes(total)} (${pct}%)` : formatBytes(done)}
      </span>
    </div>
  );
}
