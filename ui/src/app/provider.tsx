/**
 * Connection lifecycle: read the URL fragment (owner key / invite code), restore a remembered
 * identity, subscribe to the host and connect. Features never connect on their own.
 */
import { type ReactNode, useEffect, useState } from 'react';

import { connectToHost, restoreCachedSession, startSync } from '@/features/connection';
import { takeFragment } from '@/lib/fragment';
import { useSession } from '@/stores/session-store';

export function AppProvider({ children }: { children: ReactNode }) {
  const [ready, setReady] = useState(false);

  useEffect(() => {
    const fragment = takeFragment();
    const session = useSession.getState();
    if (fragment.code) session.setInviteCode(fragment.code);
    if (fragment.fp) session.setInviteFingerprint(fragment.fp);
    const stop = startSync();
    if (fragment.owner) {
      session.setOwnerKey(fragment.owner);
      connectToHost();
    } else if (session.token) {
      restoreCachedSession();
      connectToHost();
    }
    setReady(true);
    return stop;
  }, []);

  return ready ? <>{children}</> : null;
}
