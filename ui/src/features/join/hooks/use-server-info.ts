import { useEffect, useState } from 'react';

import type { ConnectFailure } from '@/lib/connect-failure';
import { getJson, HttpError, hostOrigin } from '@/lib/http';
import { HTTP, type ServerInfo } from '@/lib/protocol';

export type ServerInfoState = {
  info: ServerInfo | null;
  /** Set when `/api/info` got no answer at all, or the host turned the request away (400/421). */
  failure: Exclude<ConnectFailure, { step: 'auth' }> | null;
};

/** GET ./api/info once: the host's name and whether it needs a join code. */
export function useServerInfo(): ServerInfoState {
  const [state, setState] = useState<ServerInfoState>({ info: null, failure: null });
  useEffect(() => {
    let live = true;
    getJson<ServerInfo>(HTTP.info)
      .then((info) => live && setState({ info, failure: null }))
      .catch((err: unknown) => {
        if (!live || !(err instanceof HttpError)) return;
        if (!err.reachable) setState({ info: null, failure: { step: 'unreachable', origin: hostOrigin() } });
        else if (err.status === 400 || err.status === 421) {
          setState({ info: null, failure: { step: 'refused', origin: hostOrigin() } });
        }
      });
    return () => {
      live = false;
    };
  }, []);
  return state;
}
