import { useEffect, useState } from 'react';

import { getJson } from '@/lib/http';
import { EVENTS, HTTP, type HostsChanged, type HostsResult, type WireHost } from '@/lib/protocol';
import { onEvent } from '@/lib/socket';

// A host's name comes from another machine's mDNS record: keep what we show bounded.
const MAX_NAME_CHARS = 64;

/** Only absolute `http:` URLs without credentials: they become links to other origins. */
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
    if (parsed.protocol !== 'http:' || parsed.username || parsed.password) continue;
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

/** `GET /api/hosts` when mounted, then every `hosts_changed` the host pushes while mounted. */
export function useNearbyHosts(): NearbyHosts {
  const [state, setState] = useState<NearbyHosts>({ loading: true, error: null, discovery: true, hosts: [] });

  useEffect(() => {
    let live = true;
    let pushed = false;
    const off = onEvent<HostsChanged>(EVENTS.hostsChanged, (payload) => {
      pushed = true;
      setState((s) => ({ ...s, loading: false, error: null, hosts: sanitizeHosts(payload?.hosts) }));
    });
    getJson<HostsResult>(HTTP.hosts)
      .then((r) => {
        if (!live) return;
        setState((s) => ({
          loading: false,
          error: null,
          discovery: r.discovery !== false,
          // A push that arrived while this request was out is newer than its answer.
          hosts: pushed ? s.hosts : sanitizeHosts(r.hosts),
        }));
      })
      .catch((err: Error) => {
        if (live) setState((s) => ({ ...s, loading: false, error: err.message }));
      });
    return () => {
      live = false;
      off();
    };
  }, []);

  return state;
}
