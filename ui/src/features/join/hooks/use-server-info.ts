import { useEffect, useState } from 'react';

import type { ServerInfo } from '@/lib/protocol';

/** GET ./api/info once: the host's name and whether it needs a join code. */
export function useServerInfo(): ServerInfo | null {
  const [info, setInfo] = useState<ServerInfo | null>(null);
  useEffect(() => {
    let live = true;
    fetch('./api/info')
      .then((r) => (r.ok ? (r.json() as Promise<ServerInfo>) : null))
      .then((data) => {
        if (live && data) setInfo(data);
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, []);
  return info;
}
