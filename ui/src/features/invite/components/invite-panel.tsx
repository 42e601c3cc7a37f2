/**
 * For the host's own user: the join code, every URL the host is reachable at, the fingerprint of
 * the host's TLS key (what guests compare, in groups), the invite link (`URL/#code=CODE&fp=KEY`:
 * apps pin the key from it, browsers warn if the host they reach has another) and its QR code
 * (drawn by `qrcode` into a data: URL image).
 */
import QRCode from 'qrcode';
import { useCallback, useEffect, useState } from 'react';

import { Dialog } from '@/components/ui/dialog';
import { FingerprintText } from '@/features/encryption';
import { getInvite } from '@/features/invite/api/invite';
import type { InviteResult } from '@/lib/protocol';
import { CopyButton } from '@/components/ui/copy-button';

export function inviteLink(url: string, code: string | null, fingerprint: string | null = null): string {
  const base = url.endsWith('/') ? url : `${url}/`;
  const parts: string[] = [];
  if (code) parts.push(`code=${encodeURIComponent(code)}`);
  if (fingerprint) parts.push(`fp=${encodeURIComponent(fingerprint)}`);
  return parts.length ? `${base}#${parts.join('&')}` : base;
}

/** `onSelfCheck`: switch to the self-check dialog (composed by app/). */
export function InvitePanel({ onClose, onSelfCheck }: { onClose: () => void; onSelfCheck?: () => void }) {
  const [invite, setInvite] = useState<InviteResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState(0);
  const [qr, setQr] = useState<string | null>(null);
  const close = useCallback(() => onClose(), [onClose]);

  useEffect(() => {
    getInvite()
      .then(setInvite)
      .catch((e: Error) => setError(e.message));
  }, []);

  const url = invite?.urls[selected] ?? invite?.urls[0];
  const fingerprint = invite?.fingerprint ?? null;
  const link = url ? inviteLink(url, invite?.code ?? null, fingerprint) : null;

  useEffect(() => {
    if (!link) return;
    let live = true;
    QRCode.toDataURL(link, { margin: 1, width: 200, errorCorrectionLevel: 'M' })
      .then((data) => live && setQr(data))
      .catch(() => live && setQr(null));
    return () => {
      live = false;
    };
  }, [link]);

  return (
    <Dialog title="Invite people" onClose={close} wide>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {!invite && !error && <p className="muted">Loading…</p>}
      {invite && (
        <div className="invite">
          <div className="invite-text">
            <h3>Join code</h3>
            {invite.code ? (
              <p className="row">
                <code className="join-code" aria-label="Join code">
                  {invite.code}
                </code>
                <CopyButton text={invite.code} label="Copy join code" />
              </p>
            ) : (
              <p className="muted">This host is open: no code needed.</p>
            )}
            <h3>Fingerprint</h3>
            {fingerprint ? (
              <>
                <FingerprintText value={fingerprint} />
                <p className="muted small-text">
                  Guests’ browsers warn once that the connection is not private (this host made its own
                  certificate): they compare this with what their join screen shows.
                </p>
              </>
            ) : (
              <p className="not-encrypted-note small-text" role="note">
                Not encrypted: this host runs with <code>--no-tls</code>, so anyone on the network can read the chat.
              </p>
            )}
            <h3>Addresses</h3>
            <ul className="url-list" aria-label="Host addresses">
              {invite.urls.map((u, i) => (
                <li key={u}>
                  <label className="row">
                    <input type="radio" name="invite-url" checked={i === selected} onChange={() => setSelected(i)} />
                    <span className="url">{u}</span>
                  </label>
                  <CopyButton text={u} label={`Copy address ${u}`} />
                </li>
              ))}
            </ul>
            {link && (
              <>
                <h3>Invite link</h3>
                <p className="row">
                  <code className="url" aria-label="Invite link">
                    {link}
                  </code>
                  <CopyButton text={link} label="Copy invite link" />
                </p>
              </>
            )}
          </div>
          {qr && link && <img className="qr" src={qr} width={200} height={200} alt={`QR code for ${link}`} />}
        </div>
      )}
      {onSelfCheck && (
        <p className="row invite-foot">
          <span className="muted small-text">Guests can’t connect?</span>
          <button type="button" className="small" onClick={onSelfCheck}>
            Run self-check
          </button>
        </p>
      )}
    </Dialog>
  );
}
