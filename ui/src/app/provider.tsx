/**
 * Connection lifecycle: read the URL fragment (owner key / invite code), restore a remembered
 * identity, subscribe to the host and connect. Features never connect on their own.
 */
import { type ReactNode, useEffect, useState } from 'react';

import { connectToHost, restoreCachedSession, signInWithLink, startSync } from '@/features/connection';
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
    } else if (fragment.signin) {
      // A one-time sign-in link (add a device, recovery, the console's admin link).
      session.setLinkSecret(fragment.signin);
      connectToHost();
    } else if (session.token) {
      restoreCachedSession();
      connectToHost();
    }
    setReady(true);
    // A sign-in link opened in a tab that already shows this host: only the fragment changes.
    const onHash = () => {
      const later = takeFragment();
      if (later.signin) signInWithLink(later.signin);
    };
    window.addEventListener('hashchange', onHash);
    return () => {
      window.removeEventListener('hashchange', onHash);
      stop();
    };
  }, []);

  return ready ? <>{children}</> : null;
}
