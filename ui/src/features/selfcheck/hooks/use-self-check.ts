import { useCallback, useEffect, useRef, useState } from 'react';

import { getJson } from '@/lib/http';
import { HTTP, type SelfCheck } from '@/lib/protocol';

// The host probes each of its URLs (up to 1.5 s each); give it room before giving up.
const SELFCHECK_TIMEOUT_MS = 30_000;

export type SelfCheckState = {
  result: SelfCheck | null;
  checking: boolean;
  error: string | null;
  run: () => void;
};

/** `GET /api/selfcheck` when mounted and on every `run()`. */
export function useSelfCheck(): SelfCheckState {
  const [result, setResult] = useState<SelfCheck | null>(null);
  const [checking, setChecking] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const live = useRef(true);
  const seq = useRef(0);

  const run = useCallback(() => {
    const mine = ++seq.current;
    setChecking(true);
    setError(null);
    getJson<SelfCheck>(HTTP.selfcheck, SELFCHECK_TIMEOUT_MS)
      .then((r) => {
        if (live.current && mine === seq.current) setResult(r);
      })
      .catch((err: Error) => {
        if (live.current && mine === seq.current) setError(err.message);
      })
      .finally(() => {
        if (live.current && mine === seq.current) setChecking(false);
      });
  }, []);

  useEffect(() => {
    live.current = true;
    run();
    return () => {
      live.current = false;
    };
  }, [run]);

  return { result, checking, error, run };
}
