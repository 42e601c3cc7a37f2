/**
 * The desktop start screen: hosts found nearby, "enter an address", and back to this computer's
 * own chat. Joining goes through the window's js_api (join_host tries every address of a host and
 * says which step failed); in a plain browser the page simply goes to the typed address.
 */
import './start-screen.css';

import { type FormEvent, useEffect, useState } from 'react';

import {
  type DesktopApi,
  desktopApi,
  type JoinAttempt,
  type JoinStep,
  type NearbyResult,
} from '@/features/desktop/api/desktop-api';
import { leaveStartScreen } from '@/features/desktop/hooks/use-start-screen';

// The host list is asked for this often while the screen is up; mDNS answers arrive within a
// second or two, so a new host shows up within ~2 s and a stopped one drops off on the next ask.
export const NEARBY_POLL_MS = 1_000;

export const STEP_LABEL: Record<JoinStep, string> = {
  ok: 'Answered',
  invalid: 'Not an address',
  unreachable: 'Unreachable',
  refused: 'Connection refused',
  not_parley: 'Not a Parley host',
  host_refused: 'Refused by the host',
};

function useNearbyHosts(api: DesktopApi | null | undefined): NearbyResult | null {
  const [result, setResult] = useState<NearbyResult | null>(null);
  useEffect(() => {
    if (!api) return;
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ask = async () => {
      try {
        const r = await api.nearby_hosts();
        if (!live) return;
        setResult(r);
        if (!r.discovery) return; // off: nothing will ever show up
      } catch {
        // A refused or failed call: try again on the next tick.
      }
      if (live) timer = setTimeout(() => void ask(), NEARBY_POLL_MS);
    };
    void ask();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [api]);
  return result;
}

/** `host`, `host:port` or a URL → the URL a browser goes to (the desktop checks it itself). */
function browserUrl(address: string): string | null {
  const text = address.trim();
  if (!text) return null;
  try {
    const url = new URL(/^[a-z]+:\/\//i.test(text) ? text : `http://${text}`);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin + '/' : null;
  } catch {
    return null;
  }
}

export function StartScreen() {
  const [api, setApi] = useState<DesktopApi | null | undefined>(undefined);
  const nearby = useNearbyHosts(api);
  const [address, setAddress] = useState('');
  const [trying, setTrying] = useState<string | null>(null);
  const [failure, setFailure] = useState<JoinAttempt[] | null>(null);

  useEffect(() => {
    let live = true;
    void desktopApi().then((found) => live && setApi(found));
    return () => {
      live = false;
    };
  }, []);

  const join = async (target: string | string[], label: string) => {
    setFailure(null);
    if (!api) {
      const url = typeof target === 'string' ? browserUrl(target) : (target[0] ?? null);
      if (!url) {
        setFailure([{ url: String(target), step: 'invalid', message: 'Type an address like 192.168.1.20:7275.', name: null }]);
        return;
      }
      setTrying(label);
      window.location.assign(url);
      return;
    }
    setTrying(label);
    try {
      const result = await api.join_host(target);
      if (result.ok) return; // the window is on its way to the other host
      setFailure(result.attempts);
    } catch (err) {
      setFailure([{ url: '', step: 'invalid', message: err instanceof Error ? err.message : String(err), name: null }]);
    }
    setTrying(null);
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (address.trim()) void join(address.trim(), address.trim());
  };

  let nearbyText: string | null = null;
  if (api === null) nearbyText = 'Hosts nearby are listed in the Parley app. Enter an address instead.';
  else if (api === undefined || nearby === null) nearbyText = 'Looking for hosts nearby…';
  else if (!nearby.discovery) nearbyText = 'Finding hosts nearby is turned off. Enter an address instead.';
  else if (nearby.hosts.length === 0) nearbyText = 'Looking for hosts nearby… none found yet.';

  return (
    <main className="join">
      <div className="join-card start-card">
        <h1 id="start-title">Join a chat</h1>

        <section aria-labelledby="start-nearby">
          <h2 id="start-nearby">Hosts nearby</h2>
          {nearbyText && (
            <p className="muted" role="status">
              {nearbyText}
            </p>
          )}
          {nearby && nearby.hosts.length > 0 && (
            <ul className="start-hosts" aria-label="Hosts nearby">
              {nearby.hosts.map((host) => (
                <li key={host.host_id}>
                  <div>
                    <div className="start-host-name">{host.name}</div>
                    <div className="start-host-meta muted">
                      {host.addresses.join(', ')} · {host.needs_code ? 'join code needed' : 'open, no code'}
                    </div>
                  </div>
                  <button
                    type="button"
                    aria-label={`Join ${host.name}`}
                    disabled={trying !== null}
                    onClick={() => void join(host.urls, host.name)}
                  >
                    Join
                  </button>
                </li>
              ))}
            </ul>
          )}
        </section>

        <form onSubmit={submit}>
          <h2>
            <label htmlFor="start-address">Enter an address</label>
          </h2>
          <div className="start-address">
            <input
              id="start-address"
              autoFocus
              autoComplete="off"
              spellCheck={false}
              placeholder="192.168.1.20:7275"
              value={address}
              onChange={(e) => setAddress(e.target.value)}
            />
            <button type="submit" className="primary" disabled={trying !== null || !address.trim()}>
              Join
            </button>
          </div>
        </form>

        {trying && (
          <p className="muted" role="status">
            Trying {trying}…
          </p>
        )}
        {failure && (
          <div className="start-failure" role="alert">
            <strong>Could not join.</strong>
            <ul>
              {failure.map((a, i) => (
                <li key={`${a.url}-${i}`}>
                  <span className="start-step">{STEP_LABEL[a.step] ?? a.step}</span>
                  {a.url ? ` (${a.url})` : ''}: {a.message}
                </li>
              ))}
            </ul>
          </div>
        )}

        <div className="start-foot">
          <h2>Host a chat</h2>
          <p className="muted">This computer keeps hosting its own chat while you look around.</p>
          <button type="button" onClick={leaveStartScreen}>
            Back to my chat
          </button>
        </div>
      </div>
    </main>
  );
}
