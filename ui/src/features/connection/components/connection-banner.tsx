/** Connecting / reconnecting / offline / back, as a status line rather than alerts. */
import { useEffect, useState } from 'react';

import { connectFailureText } from '@/lib/connect-failure';
import { useSession } from '@/stores/session-store';

// How long "Back online" stays up after a reconnect.
const BACK_SHOWN_MS = 3000;

export function ConnectionBanner() {
  const status = useSession((s) => s.status);
  const backAt = useSession((s) => s.backAt);
  const failure = useSession((s) => s.connectFailure);
  // The host's current name: server_changed keeps it (and the cached welcome) up to date.
  const host = useSession((s) => s.server?.name ?? 'the host');
  const [showBack, setShowBack] = useState(false);

  useEffect(() => {
    if (!backAt) return;
    setShowBack(true);
    const t = setTimeout(() => setShowBack(false), BACK_SHOWN_MS);
    return () => clearTimeout(t);
  }, [backAt]);

  let text: string | null = null;
  let tone = 'info';
  if (failure && status !== 'connected' && status !== 'idle') {
    // Which step failed (nothing answers / the host turns us away), then that we keep trying.
    text = `${connectFailureText(failure, host)} Reconnecting… your messages are kept.`;
    tone = 'error';
  } else if (status === 'connecting') text = `Connecting to ${host}…`;
  else if (status === 'reconnecting') {
    text = `Connection lost to ${host}. Reconnecting… Messages you send now will go out when it is back.`;
    tone = 'warn';
  } else if (status === 'offline') {
    text = `Offline: ${host} cannot be reached. Still trying; your messages are kept.`;
    tone = 'error';
  } else if (status === 'connected' && showBack) {
    text = 'Back online.';
    tone = 'ok';
  }

  return (
    <div className={`banner banner-${tone}`} role="status" aria-live="polite" hidden={text === null}>
      {text}
    </div>
  );
}
