import { useEffect, useState } from 'react';

import { getJson } from '@/lib/http';
import { EVENTS, HTTP, type HostsChanged, type HostsResult, type WireHost } from '@/lib/protocol';
import { isConnected, onConnection, onEvent } from '@/lib/socket';

// A host's name comes from another machine's mDNS record: keep what we show bounded.
const MAX_NAME_CHARS = 64;

/** Only absolute `http:`/`https:` URLs without credentials: they become links to other origins. */
export function httpUrls(urls: unknown): string[] {
  if (!Array.isArray(urls)) return [];
  const out: string[] = [];
  for (const u of urls) {
    if (typeof u !== 'string') continue;
    let parsed: URL;
    try {
      parsed = new URL(u);
    } catch {
      continue;
    }
    if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.username || parsed.password) continue;
    if (!out.includes(parsed.href)) out.push(parsed.href);
  }
  return out;
}

/** One host from the LAN, checked field by field; null when it is not a host at all. */
export function sanitizeHost(raw: unknown): WireHost | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const h = raw as Record<string, unknown>;
  if (typeof h.host_id !== 'string' || !h.host_id) return null;
  const name = typeof h.name === 'string' && h.name.trim() ? h.name.trim().slice(0, MAX_NAME_CHARS) : 'Unnamed host';
  return {
    host_id: h.host_id,
    name,
    version: typeof h.version === 'string' ? h.version.slice(0, 32) : '',
    needs_code: h.needs_code === true,
    addresses: Array.isArray(h.addresses) ? h.addresses.filter((a): a is string => typeof a === 'string') : [],
    urls: httpUrls(h.urls),
  };
}

export function sanitizeHosts(raw: unknown): WireHost[] {
  if (!Array.isArray(raw)) return [];
  return raw
    .map(sanitizeHost)
    .filter((h): h is WireHost => h !== null)
    .sort((a, b) => a.name.localeCompare(b.name));
}

export type NearbyHosts = {
  loading: boolean;
  error: string | null;
  discovery: boolean;
  hosts: WireHost[];
};

// How often the list is asked for while no socket brings `hosts_changed` (the start screen before
// anyone signed in, or a dropped connection): mDNS answers reach the host within a second or two,
// so a new host shows up within ~2 s and a stopped one drops off on the next ask.
export const NEARBY_POLL_MS = 1_000;

/**
 * The hosts this page's host sees on the LAN: `GET /api/hosts` when mounted, then kept fresh by
 * every `hosts_changed` the host pushes while the socket is connected, and by asking again every
 * NEARBY_POLL_MS while it is not. A host with discovery off is asked once: nothing will show up.
 */
export function useNearbyHosts(): NearbyHosts {
  const [state, setState] = useState<NearbyHosts>({ loading: true, error: null, discovery: true, hosts: [] });

  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let asking = false;
    let again = false; // connected or dropped while a request was out: its answer may be stale
    let pushed = false;
    let off = false;

    const askOnce = async () => {
      pushed = false;
      try {
        const r = await getJson<HostsResult>(HTTP.hosts);
        if (!live) return;
        off = r.discovery === false;
        setState((s) => ({
          loading: false,
          error: null,
          discovery: !off,
          // A push that arrived while this request was out is newer than its answer.
          hosts: pushed ? s.hosts : sanitizeHosts(r.hosts),
        }));
      } catch (err) {
        if (live) setState((s) => ({ ...s, loading: false, error: (err as Error).message }));
      }
    };

    const ask = async () => {
      clearTimeout(timer);
      if (asking) {
        again = true;
        return;
      }
      asking = true;
      do {
        again = false;
        await askOnce();
      } while (again && live && !off);
      asking = false;
      if (live && !off && !isConnected()) timer = setTimeout(() => void ask(), NEARBY_POLL_MS);
    };

    const offPush = onEvent<HostsChanged>(EVENTS.hostsChanged, (payload) => {
      pushed = true;
      setState((s) => ({ ...s, loading: false, error: null, hosts: sanitizeHosts(payload?.hosts) }));
    });
    // Connected: one more ask covers what changed between the last answer and the subscription,
    // pushes do the rest. Dropped: pushes stop, so asking starts again.
    const resume = () => {
      if (!off) void ask();
    };
    const offConnection = onConnection({ connect: resume, disconnect: resume });
    void ask();
    return () => {
      live = false;
      clearTimeout(timer);
      offPush();
      offConnection();
    };
  }, []);

  return state;
}
