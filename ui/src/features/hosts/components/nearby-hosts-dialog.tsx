/**
 * Other Parley hosts this host sees on the LAN (a browser cannot do mDNS itself). Each one's
 * URLs are plain links: other origins are navigated to, never fetched from here.
 */
import { Dialog } from '@/components/ui/dialog';
import { useNearbyHosts } from '@/features/hosts/hooks/use-nearby-hosts';
import type { WireHost } from '@/lib/protocol';

function HostEntry({ host }: { host: WireHost }) {
  return (
    <li className="host-entry" aria-label={host.name}>
      <div className="row host-title">
        <strong className="host-name">{host.name}</strong>
        <span className="tag">{host.needs_code ? 'code needed' : 'open, no code'}</span>
      </div>
      {host.addresses.length > 0 && (
        <p className="muted small-text host-addresses">
          {host.addresses.length === 1 ? 'Address' : 'Addresses'}: {host.addresses.join(', ')}
        </p>
      )}
      {host.urls.length > 0 ? (
        <ul className="host-links">
          {host.urls.map((url) => (
            <li key={url}>
              <a href={url} target="_blank" rel="noopener noreferrer" className="url">
                {url}
              </a>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted small-text">No web address announced.</p>
      )}
    </li>
  );
}

export function NearbyHostsDialog({ onClose }: { onClose: () => void }) {
  const { loading, error, discovery, hosts } = useNearbyHosts();

  return (
    <Dialog title="Nearby hosts" onClose={onClose}>
      {loading && <p className="muted">Loading…</p>}
      {error && (
        <p className="error" role="alert">
          Could not load the list: {error}
        </p>
      )}
      {!loading && !error && !discovery && <p className="muted">Discovery is off on this host.</p>}
      {!loading && !error && discovery && hosts.length === 0 && (
        <p className="muted">No other hosts found on this network.</p>
      )}
      {hosts.length > 0 && (
        <>
          <p className="muted small-text">Open an address to join that host in a new tab.</p>
          <ul className="host-list" aria-label="Hosts on this network">
            {hosts.map((h) => (
              <HostEntry key={h.host_id} host={h} />
            ))}
          </ul>
        </>
      )}
    </Dialog>
  );
}
