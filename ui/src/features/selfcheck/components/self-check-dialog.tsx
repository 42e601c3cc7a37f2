/**
 * For the host's own user: what the host listens on, which of its LAN URLs answer from the host
 * itself, and whether it announces itself on the LAN. "Check again" asks the host afresh.
 */
import { Dialog } from '@/components/ui/dialog';
import { useSelfCheck } from '@/features/selfcheck/hooks/use-self-check';
import type { SelfCheck } from '@/lib/protocol';

const ANY_ADDRESS = new Set(['0.0.0.0', '', '::']);

/** `127.0.0.1:7275`, `[::1]:7275`. */
export function hostPort(listening: SelfCheck['listening']): string {
  const host = listening.host.includes(':') ? `[${listening.host}]` : listening.host || '0.0.0.0';
  return `${host}:${listening.port}`;
}

function Result({ result }: { result: SelfCheck }) {
  const anyAddress = ANY_ADDRESS.has(result.listening.host);
  return (
    <>
      <dl className="facts">
        <dt>Listening on</dt>
        <dd>
          <code aria-label="Listening on">{hostPort(result.listening)}</code>
          {anyAddress && <span className="muted"> (every address of this machine)</span>}
        </dd>
        <dt>Discovery</dt>
        <dd>{result.discovery ? 'On' : 'Off'}</dd>
        <dt>Advertising</dt>
        <dd>
          {result.advertising
            ? `Yes, on ${result.advertised_on.join(', ') || 'its LAN addresses'}`
            : result.discovery
              ? 'No: not announced on any address yet'
              : 'No (discovery is off)'}
        </dd>
      </dl>
      <h3>Addresses</h3>
      {result.addresses.length === 0 ? (
        <p className="muted">No address to check.</p>
      ) : (
        <ul className="check-list" aria-label="Address checks">
          {result.addresses.map((a) => (
            <li key={a.url} className={a.answers ? 'ok' : 'bad'}>
              <span className="mark" aria-hidden="true">
                {a.answers ? '✓' : '✗'}
              </span>
              <span className="url">{a.url}</span>
              <span className="verdict">{a.answers ? 'answers' : 'does not answer'}</span>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

export function SelfCheckDialog({ onClose }: { onClose: () => void }) {
  const { result, checking, error, run } = useSelfCheck();

  return (
    <Dialog title="Self-check" onClose={onClose}>
      <div className="selfcheck" aria-busy={checking}>
        {error && (
          <p className="error" role="alert">
            The self-check failed: {error}
          </p>
        )}
        {result ? <Result result={result} /> : !error && <p className="muted">Checking…</p>}
        <div className="row-end">
          <span className="muted small-text" role="status">
            {checking && result ? 'Checking…' : ''}
          </span>
          <button type="button" onClick={run} disabled={checking}>
            Check again
          </button>
        </div>
      </div>
    </Dialog>
  );
}
