/**
 * For the host's own user: the join code, every URL the host is reachable at, the invite link
 * (`URL/#code=CODE`) and its QR code (drawn by `qrcode` into a data: URL image).
 */
import QRCode from 'qrcode';
import { useCallback, useEffect, useState } from 'react';

import { Dialog } from '@/components/ui/dialog';
import { getInvite } from '@/features/invite/api/invite';
import type { InviteResult } from '@/lib/protocol';
import { CopyButton } from '@/components/ui/copy-button';

export function inviteLink(url: string, code: string | null): string {
  const base = url.endsWith('/') ? url : `${url}/`;
  return code ? `${base}#code=${encodeURIComponent(code)}` : base;
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
  const link = url ? inviteLink(url, invite?.code ?? null) : null;

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
