/**
 * A one-time sign-in link as a person is shown it: the QR code (drawn by `qrcode`, as the invite
 * panel's), the link with a Copy button, and how long it works.
 */
import QRCode from 'qrcode';
import { useEffect, useState } from 'react';

import { CopyButton } from '@/components/ui/copy-button';
import { signInLink } from '@/features/devices/api/devices';
import { useHostTls } from '@/features/encryption';
import { timeLabel } from '@/lib/format';
import type { SignInLinkResult } from '@/lib/protocol';

function lifetime(seconds: number): string {
  if (seconds >= 3600) return `${Math.round(seconds / 3600)} hours`;
  if (seconds >= 120) return `${Math.round(seconds / 60)} minutes`;
  return `${seconds} seconds`;
}

export function SignInLink({ link, who }: { link: SignInLinkResult; who: string }) {
  const url = signInLink(link.secret, link.urls, useHostTls()?.fingerprint ?? null);
  const [qr, setQr] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    QRCode.toDataURL(url, { margin: 1, width: 200, errorCorrectionLevel: 'M' })
      .then((data) => live && setQr(data))
      .catch(() => live && setQr(null));
    return () => {
      live = false;
    };
  }, [url]);
  return (
    <div className="sign-in-link">
      <div className="sign-in-link-text">
        <p className="small-text">
          Open this on the other device, or scan the code with its camera. It signs that device in as <strong>{who}</strong>,
          works <strong>once</strong>, for {lifetime(link.seconds)} (until {timeLabel(link.expires_at)}).
        </p>
        <p className="row">
          <code className="url sign-in-url" aria-label="Sign-in link">
            {url}
          </code>
          <CopyButton text={url} label="Copy sign-in link" />
        </p>
        <p className="muted small-text">Anyone with this link can sign in as {who} until it is used: share it with nobody else.</p>
      </div>
      {qr && <img className="qr" src={qr} width={200} height={200} alt="QR code of the sign-in link" />}
    </div>
  );
}
