import { useEffect, useState } from 'react';

import { type HostTls, hostTls } from './host-tls';

/** The host's TLS state once `/api/info` answered (null until then, or if it never does). */
export function useHostTls(): HostTls | null {
  const [state, setState] = useState<HostTls | null>(null);
  useEffect(() => {
    let live = true;
    hostTls()
      .then((tls) => live && setState(tls))
      .catch(() => undefined); // the connection banner already says the host is unreachable
    return () => {
      live = false;
    };
  }, []);
  return state;
}
