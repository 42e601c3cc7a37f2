/**
 * Host settings (admins: the host person and whoever they made one): rename the host, change or turn off the join code,
 * and the devices that joined, each removable (its token stops working and it is disconnected).
 * Bots, retention, backup and export sit below. Every section's data is asked for at once and the
 * dialog shows one loading line until all of it is here (use-host-settings): then it is drawn
 * whole, and nothing moves under the reader.
 */
import '@/features/admin/components/admin.css';

import { type FormEvent, useState } from 'react';

import { Dialog } from '@/components/ui/dialog';
import { BotsSection } from '@/features/admin/components/bots-section';
import { BackupSection } from '@/features/admin/components/backup-section';
import { ExportSection } from '@/features/admin/components/export-section';
import { RetentionSection } from '@/features/admin/components/retention-section';
import { HOST_NAME_MAX, useAdmin } from '@/features/admin/hooks/use-admin';
import { type HostSettingsData, useHostSettings } from '@/features/admin/hooks/use-host-settings';
import { useChat } from '@/features/chat';
import { dayLabel, timeLabel } from '@/lib/format';
import type { WireDevice } from '@/lib/protocol';

type Feedback = { ok: boolean; text: string } | null;

function FeedbackLine({ feedback }: { feedback: Feedback }) {
  if (!feedback) return null;
  return feedback.ok ? (
    <p className="admin-ok small-text" role="status">
      {feedback.text}
    </p>
  ) : (
    <p className="error small-text" role="alert">
      {feedback.text}
    </p>
  );
}

function when(iso: string): string {
  return `${dayLabel(iso)} ${timeLabel(iso)}`;
}

function RenameForm({ current, rename }: { current: string; rename: (n: string) => Promise<string | null> }) {
  const [name, setName] = useState(current);
  const [feedback, setFeedback] = useState<Feedback>(null);
  const [busy, setBusy] = useState(false);
  // Follow the host's name when it changes (after a rename), during render: an effect would also
  // run once after mounting, and could put the old name back over what was just typed.
  const [shown, setShown] = useState(current);
  if (shown !== current) {
    setShown(current);
    setName(current);
  }
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    const err = await rename(name);
    setBusy(false);
    setFeedback(err ? { ok: false, text: err } : { ok: true, text: 'Renamed. Everyone sees the new name now.' });
  };
  return (
    <form className="admin-section" onSubmit={(e) => void submit(e)}>
      <h3>Host name</h3>
      <div className="row">
        <input aria-label="Host name" value={name} maxLength={HOST_NAME_MAX} onChange={(e) => setName(e.target.value)} />
        <button type="submit" className="small" disabled={busy || !name.trim() || name.trim() === current}>
          Rename
        </button>
      </div>
      <FeedbackLine feedback={feedback} />
    </form>
  );
}

function JoinCodeForm({ code, setJoinCode }: { code: string | null; setJoinCode: (c: string | null) => Promise<string | null> }) {
  const [value, setValue] = useState('');
  const [feedback, setFeedback] = useState<Feedback>(null);
  const [busy, setBusy] = useState(false);
  const apply = async (next: string | null, done: string) => {
    setBusy(true);
    const err = await setJoinCode(next);
    setBusy(false);
    setFeedback(err ? { ok: false, text: err } : { ok: true, text: done });
    if (!err) setValue('');
  };
  return (
    <form
      className="admin-section"
      onSubmit={(e) => {
        e.preventDefault();
        void apply(value.trim(), 'Join code changed. Devices that joined before keep working.');
      }}
    >
      <h3>Join code</h3>
      <p className="small-text">
        {code === null ? (
          'Off: anyone who can reach this host can join.'
        ) : (
          <>
            Current code: <code aria-label="Current join code">{code}</code>
          </>
        )}
      </p>
      <div className="row">
        <input
          aria-label="New join code"
          placeholder="6–32 letters or digits"
          value={value}
          maxLength={32}
          onChange={(e) => setValue(e.target.value)}
        />
        <button type="submit" className="small" disabled={busy || !value.trim()}>
          Set
        </button>
      </div>
      <div className="row">
        <button type="button" className="small" disabled={busy} onClick={() => void apply('', 'A new random code is set.')}>
          New random code
        </button>
        <button
          type="button"
          className="small"
          disabled={busy || code === null}
          onClick={() => void apply(null, 'Join code turned off: anyone on the network can join.')}
        >
          Turn off
        </button>
      </div>
      <FeedbackLine feedback={feedback} />
    </form>
  );
}

function DeviceRow({ device, me, remove }: { device: WireDevice; me: number | null; remove: (id: number) => Promise<string | null> }) {
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const own = device.user.id === me;
  const label = device.name || device.label;
  return (
    <li className="device-row" aria-label={label ? `${device.user.name}, ${label}` : device.user.name}>
      <span className={`presence-dot${device.online ? ' online' : ''}`} title={device.online ? 'Online' : 'Offline'} aria-hidden="true" />
      <div className="device-info">
        <span className="device-name">
          {device.user.name}
          {own ? ' (this host)' : ''}
          {label && <span className="muted"> · {label}</span>}
        </span>
        <span className="muted small-text">
          {device.online ? 'Online now' : `Last seen ${when(device.last_seen_at)}`} · joined {when(device.created_at)}
        </span>
        {error && (
          <span className="error small-text" role="alert">
            {error}
          </span>
        )}
      </div>
      {!own &&
        (confirming ? (
          <span className="row device-confirm">
            <span className="small-text">Sign this device out?</span>
            <button
              type="button"
              className="small danger"
              onClick={() =>
                void remove(device.id).then((err) => {
                  setError(err);
                  setConfirming(false);
                })
              }
            >
              Remove
            </button>
            <button type="button" className="small" onClick={() => setConfirming(false)}>
              Keep
            </button>
          </span>
        ) : (
          <button type="button" className="small" onClick={() => setConfirming(true)} aria-label={`Remove ${device.user.name}'s device`}>
            Remove…
          </button>
        ))}
    </li>
  );
}

function HostSettings({ initial }: { initial: HostSettingsData }) {
  const { info, error, rename, setJoinCode, removeDevice } = useAdmin(initial.info);
  const me = useChat((s) => s.me);
  return (
    <div className="admin">
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <RenameForm current={info.name} rename={rename} />
      <JoinCodeForm code={info.join_code} setJoinCode={setJoinCode} />
      <BotsSection initial={initial.bots} />
      <RetentionSection days={initial.info.retention_days ?? null} />
      <section className="admin-section" aria-label="Devices">
        <h3>Devices ({info.devices.length})</h3>
        <p className="muted small-text">A removed device is signed out at once and has to join again.</p>
        <ul className="device-list">
          {info.devices.map((d) => (
            <DeviceRow key={d.id} device={d} me={me} remove={removeDevice} />
          ))}
        </ul>
      </section>
      <BackupSection initial={initial.backup} />
      <ExportSection />
    </div>
  );
}

/** Until every section's data is here: one loading line, or why it did not come and a retry. */
function Pending({ error, retry }: { error: string | null; retry: () => void }) {
  if (!error)
    return (
      <div className="admin-loading" aria-busy="true">
        <p className="muted">Loading…</p>
      </div>
    );
  return (
    <div className="admin-loading">
      <p className="error" role="alert">
        {error}
      </p>
      <div className="row">
        <button type="button" className="small" onClick={retry}>
          Try again
        </button>
      </div>
    </div>
  );
}

export function HostSettingsDialog({ onClose }: { onClose: () => void }) {
  const { data, error, retry } = useHostSettings();
  return (
    <Dialog title="Host settings" onClose={onClose} wide>
      {data ? <HostSettings initial={data} /> : <Pending error={error} retry={retry} />}
    </Dialog>
  );
}
