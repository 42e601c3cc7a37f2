/**
 * The desktop start screen: hosts found nearby, "enter an address", and back to this computer's
 * own chat. The list is the one this page's host keeps (its mDNS browser, `GET /api/hosts`), handed
 * in by app/app.tsx. Joining goes through the window's js_api (join_host tries every address of a
 * host and says which step failed); in a plain browser the page simply goes to the address.
 */
import './start-screen.css';

import { type FormEvent, useEffect, useState } from 'react';

import { type DesktopApi, desktopApi, type JoinAttempt, type JoinStep } from '@/features/desktop/api/desktop-api';
import { leaveStartScreen } from '@/features/desktop/hooks/use-start-screen';
import { hostOrigin } from '@/lib/http';
import type { WireHost } from '@/lib/protocol';

/** The hosts this page's host sees nearby, kept fresh by whoever hands it in (app/app.tsx). */
export type StartScreenHosts = {
  loading: boolean;
  error: string | null;
  discovery: boolean;
  hosts: WireHost[];
};

export const STEP_LABEL: Record<JoinStep, string> = {
  ok: 'Answered',
  invalid: 'Not an address',
  unreachable: 'Unreachable',
  refused: 'Connection refused',
  not_parley: 'Not a Parley host',
  host_refused: 'Refused by the host',
  mismatch: 'Different key: not joined',
};

/** `ABCD EFGH …`: a host key's fingerprint as people compare it (backend/tls.py). */
export function fingerprintGroups(fingerprint: string): string {
  return fingerprint.match(/.{1,4}/g)?.join(' ') ?? fingerprint;
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

export function StartScreen({ nearby }: { nearby: StartScreenHosts }) {
  const [api, setApi] = useState<DesktopApi | null | undefined>(undefined);
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
    setTrying(label);
    // The list does not wait for the window's api to be detected, so a click can come first.
    const desktop = api !== undefined ? api : await desktopApi();
    if (!desktop) {
      const url = typeof target === 'string' ? browserUrl(target) : (target[0] ?? null);
      if (!url) {
        setFailure([{ url: String(target), step: 'invalid', message: 'Type an address like 192.168.1.20:7275.', name: null }]);
        setTrying(null);
        return;
      }
      window.location.assign(url);
      return;
    }
    try {
      const result = await desktop.join_host(target);
      if (result.ok && result.open) {
        window.location.assign(result.open); // checked and pinned: the window goes there
        return;
      }
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

  // A plain browser cannot try each of a host's addresses in turn as the window does: it goes to
  // the first, and offers the others as links.
  const browser = api === null;
  let nearbyText: string | null = null;
  if (nearby.loading) nearbyText = 'Looking for hosts nearby…';
  else if (!nearby.discovery) nearbyText = 'Finding hosts nearby is turned off. Enter an address instead.';
  else if (nearby.error && nearby.hosts.length === 0)
    nearbyText = `Could not load the list: ${nearby.error} Enter an address instead.`;
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
          {nearby.hosts.length > 0 && (
            <ul className="start-hosts" aria-label="Hosts nearby">
              {nearby.hosts.map((host) => (
                <li key={host.host_id}>
                  <div>
                    <div className="start-host-name">{host.name}</div>
                    <div className="start-host-meta muted">
                      {host.addresses.join(', ')} · {host.needs_code ? 'join code needed' : 'open, no code'}
                    </div>
                    {host.fingerprint ? (
                      <div className="start-host-meta muted">
                        Key (as announced; checked when you join):{' '}
                        <code className="start-host-key">{fingerprintGroups(host.fingerprint)}</code>
                      </div>
                    ) : (
                      host.urls.some((url) => url.startsWith('http:')) && (
                        <div className="start-host-meta muted">Not encrypted (this host runs without TLS)</div>
                      )
                    )}
                    {browser && host.urls.length > 1 && (
                      <div className="start-host-meta muted">
                        Also at{' '}
                        {host.urls.slice(1).map((url, i) => (
                          <span key={url}>
                            {i > 0 && ', '}
                            <a href={url}>{url}</a>
                          </span>
                        ))}
                      </div>
                    )}
                  </div>
                  <button
                    type="button"
                    aria-label={`Join ${host.name}`}
                    disabled={trying !== null || host.urls.length === 0}
                    onClick={() => void join(host.urls, host.name)}
                  >
                    Join
                  </button>
                </li>
              ))}
            </ul>
          )}
          {browser && nearby.hosts.length > 0 && (
            <p className="muted start-note">
              Found by the host at {hostOrigin()}. Join opens a host's first address in this tab.
            </p>
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
                <li key={`${a.url}-${i}`} className={a.step === 'mismatch' ? 'start-mismatch' : undefined}>
                  <span className="start-step">{STEP_LABEL[a.step] ?? a.step}</span>
                  {a.url ? ` (${a.url})` : ''}: {a.message}
                </li>
              ))}
            </ul>
          </div>
        )}

        {/* Only the window hosts a chat of its own; a browser (or a page still finding out) is
            a visitor of this host. */}
        {api ? (
          <div className="start-foot">
            <h2>Host a chat</h2>
            <p className="muted">This computer keeps hosting its own chat while you look around.</p>
            <button type="button" onClick={leaveStartScreen}>
              Back to my chat
            </button>
          </div>
        ) : (
          <div className="start-foot">
            <h2>This host's chat</h2>
            <button type="button" onClick={leaveStartScreen}>
              Back to the chat
            </button>
          </div>
        )}
      </div>
    </main>
  );
}
