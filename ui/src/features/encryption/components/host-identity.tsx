/**
 * The join screen's part about who this host is: its fingerprint to compare with the host's own
 * screen, why the browser warned once, and a stop warning when the invite link named another key.
 */
import './encryption.css';

import { FingerprintText } from '@/features/encryption/components/fingerprint-text';
import { NotEncryptedText } from '@/features/encryption/components/not-encrypted-marker';
import { type FingerprintCheck, normalizeFingerprint } from '@/features/encryption/lib/fingerprint';
import type { HostTls } from '@/features/encryption/api/host-tls';

type Props = {
  tls: HostTls;
  /** The invite link's `fp=` as written ('' when the page was not opened from one). */
  linkFingerprint: string;
  check: FingerprintCheck;
  /** The page came over https (a browser on another machine), not plain loopback. */
  secure: boolean;
};

export function HostIdentity({ tls, linkFingerprint, check, secure }: Props) {
  if (check === 'mismatch') {
    const expected = normalizeFingerprint(linkFingerprint);
    return (
      <section className="identity identity-stop" role="alert" aria-labelledby="identity-stop-title">
        <h2 id="identity-stop-title">Stop: this is not the host that invited you</h2>
        <p>
          Your invite link names another key than the one this host presents. Someone on the network
          may be pretending to be it. Do not join or type anything here; ask the person hosting for a
          new invite link and compare the fingerprint on their screen.
        </p>
        <p className="small-text">Your invite link says</p>
        {expected ? <FingerprintText value={expected} label="Fingerprint in the invite link" /> : <p className="small-text">a fingerprint that is not one</p>}
        <p className="small-text">This host says</p>
        {tls.fingerprint ? (
          <FingerprintText value={tls.fingerprint} label="Fingerprint of this host" />
        ) : (
          <p className="small-text">nothing: it serves everything unencrypted</p>
        )}
      </section>
    );
  }
  if (!tls.tls || !tls.fingerprint) {
    return (
      <section className="identity identity-warn" role="note" aria-label="Not encrypted">
        <NotEncryptedText />
      </section>
    );
  }
  return (
    <section className="identity" aria-labelledby="identity-title">
      <h2 id="identity-title" className="identity-title">
        <span aria-hidden="true">🔒</span> Encrypted
      </h2>
      {secure && !tls.custom && (
        <p className="small-text">
          Your browser said the connection is not private, once. That is because this host made its own
          certificate rather than buying one. To be sure it is the right host, compare this
          fingerprint with the one on the host’s screen (its Invite panel):
        </p>
      )}
      {(!secure || tls.custom) && <p className="small-text">The host’s fingerprint, as its Invite panel shows it:</p>}
      <FingerprintText value={tls.fingerprint} label="Fingerprint of this host" />
      {check === 'match' && (
        <p className="small-text identity-match" role="status">
          <span aria-hidden="true">✓</span> The same as in your invite link.
        </p>
      )}
    </section>
  );
}
