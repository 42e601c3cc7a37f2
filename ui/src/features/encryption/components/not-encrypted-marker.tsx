/**
 * The header's "Not encrypted" marker, for everyone, while the host runs with `--no-tls`: it stays
 * as long as the page does, and says what it means when pressed.
 */
import './encryption.css';

import { useState } from 'react';

import { Popover } from '@/components/ui/popover';
import { useHostTls } from '@/features/encryption/api/use-host-tls';

export function NotEncryptedMarker() {
  const tls = useHostTls();
  const [anchor, setAnchor] = useState<HTMLButtonElement | null>(null);
  const [open, setOpen] = useState(false);
  if (!tls || tls.tls) return null;
  return (
    <>
      <button
        ref={setAnchor}
        type="button"
        className="small not-encrypted"
        aria-expanded={open}
        aria-haspopup="dialog"
        onClick={() => setOpen(!open)}
      >
        <span aria-hidden="true">⚠</span> Not encrypted
      </button>
      {open && (
        <Popover anchor={anchor} onClose={() => setOpen(false)} label="Not encrypted" className="encryption-explainer" prefer="end">
          <NotEncryptedText />
        </Popover>
      )}
    </>
  );
}

/** What "Not encrypted" means (the marker's explainer and the join screen's note). */
export function NotEncryptedText() {
  return (
    <>
      <p>
        <strong>This host runs without encryption.</strong>
      </p>
      <p>
        Anyone on this network can read the messages and files, and could copy a device’s sign-in and
        speak as it. The person hosting turned encryption off (<code>--no-tls</code>); starting the
        host without it turns it back on.
      </p>
    </>
  );
}
