/**
 * The date filter's From/To days (the person's local calendar) → the host's half-open range
 * (docs/protocol.md, `search`: after ≤ created_at < before). "To Friday" includes all of Friday,
 * so it is sent as the start of Saturday; both as instants, since the host does not know our zone.
 */
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

function startOfLocalDay(day: string, plusDays = 0): Date | null {
  const m = DAY.exec(day);
  if (!m) return null;
  const d = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + plusDays);
  return Number.isNaN(d.getTime()) ? null : d;
}

export type DateRange = { after?: string; before?: string };

/** The range for From/To ('' when unset), or an error sentence when it cannot be searched. */
export function dateRange(from: string, to: string): DateRange | { error: string } {
  const start = from ? startOfLocalDay(from) : null;
  const end = to ? startOfLocalDay(to, 1) : null;
  if (from && !start) return { error: 'Pick a valid “From” date.' };
  if (to && !end) return { error: 'Pick a valid “To” date.' };
  if (start && end && start >= end) return { error: '“From” must be on or before “To”.' };
  return {
    ...(start ? { after: start.toISOString() } : {}),
    ...(end ? { before: end.toISOString() } : {}),
  };
}
