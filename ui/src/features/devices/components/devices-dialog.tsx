/**
 * Your devices: every device signed in as you (this one marked), each one you can sign out (its
 * token stops working and it is disconnected at once), and "Add a device": a one-time sign-in
 * link and its QR code for a phone, another browser or the desktop app.
 */
import '@/features/devices/components/devices.css';

import { type FormEvent, useCallback, useEffect, useState } from 'react';

import { Dialog } from '@/components/ui/dialog';
import { createDeviceLink, listDevices, revokeDevice } from '@/features/devices/api/devices';
import { dayLabel, timeLabel } from '@/lib/format';
import { EVENTS, type MyDevice, type SignInLinkResult } from '@/lib/protocol';
import { RequestError } from '@/lib/request-error';
import { onEvent } from '@/lib/socket';
import { useSession } from '@/stores/session-store';

import { SignInLink } from './sign-in-link';

const NAME_MAX = 40;

function when(iso: string): string {
  return `${dayLabel(iso)} ${timeLabel(iso)}`;
}

function message(err: unknown): string {
  return err instanceof RequestError ? err.message : 'The host did not answer.';
}

function DeviceItem({ device, onRevoke }: { device: MyDevice; onRevoke: (d: MyDevice) => Promise<void> }) {
  const [confirming, setConfirming] = useState(false);
  return (
    <li className="device-row" aria-label={device.current ? `${device.name} (this device)` : device.name}>
      <span className={`presence-dot${device.online ? ' online' : ''}`} aria-hidden="true" />
      <div className="device-info">
        <span className="device-name">
          {device.name}
          {device.current && <span className="tag this-device">this device</span>}
        </span>
        <span className="muted small-text">
          {device.online ? 'Online now' : `Last seen ${when(device.last_seen_at)}`} · added {when(device.created_at)}
        </span>
      </div>
      {device.removable &&
        (confirming ? (
          <span className="row device-confirm">
            <span className="small-text">{device.current ? 'Sign out here?' : 'Sign it out?'}</span>
            <button type="button" className="small danger" onClick={() => void onRevoke(device)}>
              Sign out
            </button>
            <button type="button" className="small" onClick={() => setConfirming(false)}>
              Keep
            </button>
          </span>
        ) : (
          <button type="button" className="small" aria-label={`Sign out ${device.name}`} onClick={() => setConfirming(true)}>
            Sign out…
          </button>
        ))}
    </li>
  );
}

function AddDevice() {
  const me = useSession((s) => s.user?.name ?? 'you');
  const [name, setName] = useState('');
  const [link, setLink] = useState<SignInLinkResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const make = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    try {
      setLink(await createDeviceLink(name));
      setError(null);
    } catch (err) {
      setError(message(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="devices-add" aria-label="Add a device">
      <h3>Add a device</h3>
      <form className="row" onSubmit={(e) => void make(e)}>
        <input
          aria-label="Name of the new device (optional)"
          placeholder="Name it (optional), e.g. Phone"
          value={name}
          maxLength={NAME_MAX}
          onChange={(e) => setName(e.target.value)}
        />
        <button type="submit" className="small" disabled={busy}>
          {link ? 'New link' : 'Show sign-in link'}
        </button>
      </form>
      {error && (
        <p className="error small-text" role="alert">
          {error}
        </p>
      )}
      {link && <SignInLink link={link} who={me} />}
    </section>
  );
}

export function DevicesDialog({ onClose }: { onClose: () => void }) {
  const [devices, setDevices] = useState<MyDevice[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const refresh = useCallback(async () => {
    try {
      setDevices(await listDevices());
      setError(null);
    } catch (err) {
      setError(message(err));
    }
  }, []);
  useEffect(() => {
    void refresh();
    // A link was used, or a device signed out elsewhere: the list follows.
    return onEvent(EVENTS.devicesChanged, () => void refresh());
  }, [refresh]);
  const revoke = useCallback(
    async (device: MyDevice) => {
      try {
        await revokeDevice(device.id);
        if (!device.current) await refresh();
      } catch (err) {
        setError(message(err));
      }
    },
    [refresh],
  );
  return (
    <Dialog title="Your devices" onClose={onClose} wide>
      <div className="devices">
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        {!devices && !error && <p className="muted">Loading…</p>}
        {devices && (
          <section aria-label="Signed-in devices">
            <p className="muted small-text">Each device signed in as you. Signing one out ends its session at once.</p>
            <ul className="device-list">
              {devices.map((d) => (
                <DeviceItem key={d.id} device={d} onRevoke={revoke} />
              ))}
            </ul>
          </section>
        )}
        <AddDevice />
      </div>
    </Dialog>
  );
}
