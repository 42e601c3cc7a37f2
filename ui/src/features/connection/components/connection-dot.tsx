/** The connection at a glance: a dot by my name (green connected, amber reconnecting, red offline). */
import { useSession } from '@/stores/session-store';

const LABELS = {
  connected: 'Connected',
  connecting: 'Connecting',
  reconnecting: 'Reconnecting',
  offline: 'Offline',
  idle: 'Offline',
} as const;

export function ConnectionDot() {
  const status = useSession((s) => s.status);
  const label = LABELS[status];
  return (
    <span className={`conn-dot conn-${status}`} role="img" aria-label={label} title={label} />
  );
}
