/**
 * The notification settings, in one panel: do not disturb, this device's notifications (the
 * browser's permission, asked only on the person's click, or why this browser cannot show any),
 * the sounds, and each room's level. Every change goes to the host at once and every device of
 * the person follows it. Opened from the sidebar (all rooms) or the room header (`roomId` first).
 */
import './notify.css';

import { useEffect, useId, useState } from 'react';

import { Dialog } from '@/components/ui/dialog';
import { useChat } from '@/features/chat';
import { desktopApi } from '@/features/desktop';
import { roomTitle } from '@/features/dms';
import { setNotifyFlags, setRoomLevel } from '@/features/notifications/api/notify-settings';
import { askPermission } from '@/features/notifications/lib/browser-notify';
import { levelOf } from '@/features/notifications/lib/decide';
import { useNotify } from '@/features/notifications/stores/notify-store';
import { NOTIFY_LEVELS, type NotifyLevel } from '@/lib/protocol';
import { RequestError } from '@/lib/request-error';

export const LEVEL_TEXT: Record<NotifyLevel, string> = {
  all: 'All messages',
  mentions: 'Mentions only',
  nothing: 'Nothing',
};

function useInWindow(): boolean | null {
  const [inWindow, setInWindow] = useState<boolean | null>(null);
  useEffect(() => {
    let live = true;
    void desktopApi().then((api) => live && setInWindow(api !== null));
    return () => {
      live = false;
    };
  }, []);
  return inWindow;
}

/** What this device does with notifications, and the one button that asks the browser. */
function ThisDevice() {
  const support = useNotify((s) => s.support);
  const inWindow = useInWindow();
  if (inWindow) return <p className="small-text">This app shows notifications on your computer’s desktop.</p>;
  if (inWindow === null) return <p className="small-text muted">Checking this device…</p>;
  switch (support) {
    case 'insecure':
      return (
        <div className="notify-explain" role="note">
          <p className="small-text">
            <strong>This browser cannot show notifications from Parley.</strong> Browsers allow them only on encrypted
            (https) pages or on this computer’s own address, and this page comes over plain http on your local network.
          </p>
          <p className="small-text muted">
            Encrypted connections are coming in a later Parley. Until then the unread count shows in the tab’s title,
            the sounds below still play, and the Parley desktop app notifies on any computer.
          </p>
        </div>
      );
    case 'unsupported':
      return <p className="small-text">This browser has no notifications. Unread counts show in the tab’s title.</p>;
    case 'denied':
      return (
        <p className="small-text">
          This browser blocks notifications from Parley. Allow them in the browser’s settings for this site.
        </p>
      );
    case 'granted':
      return <p className="small-text">This browser shows Parley’s notifications.</p>;
    default:
      return (
        <div className="stack">
          <p className="small-text">This browser can show notifications when Parley is in the background.</p>
          <button
            type="button"
            className="primary"
            onClick={() => void askPermission().then((s) => useNotify.getState().setSupport(s))}
          >
            Allow notifications in this browser
          </button>
        </div>
      );
  }
}

function LevelRadios({ roomId, label }: { roomId: number; label: string }) {
  const level = useNotify((s) => levelOf(s.settings, roomId));
  const name = useId();
  const [error, setError] = useState<string | null>(null);
  const choose = (next: NotifyLevel) => {
    setError(null);
    setRoomLevel(roomId, next).catch((err) => setError(err instanceof RequestError ? err.message : 'Not saved.'));
  };
  return (
    <fieldset className="notify-levels">
      <legend>{label}</legend>
      {NOTIFY_LEVELS.map((l) => (
        <label key={l}>
          <input type="radio" name={name} checked={level === l} onChange={() => choose(l)} />
          {LEVEL_TEXT[l]}
        </label>
      ))}
      {error && (
        <p className="error small-text" role="alert">
          {error}
        </p>
      )}
    </fieldset>
  );
}

function RoomLevel({ roomId, title }: { roomId: number; title: string }) {
  const level = useNotify((s) => levelOf(s.settings, roomId));
  const id = useId();
  return (
    <li>
      <label htmlFor={id}>{title}</label>
      <select
        id={id}
        value={level}
        onChange={(e) => void setRoomLevel(roomId, e.target.value as NotifyLevel).catch(() => undefined)}
      >
        {NOTIFY_LEVELS.map((l) => (
          <option key={l} value={l}>
            {LEVEL_TEXT[l]}
          </option>
        ))}
      </select>
    </li>
  );
}

export function NotifyDialog({ roomId, onClose }: { roomId?: number | null; onClose: () => void }) {
  const settings = useNotify((s) => s.settings);
  const me = useChat((s) => s.me);
  const rooms = useChat((s) => s.rooms);
  const [error, setError] = useState<string | null>(null);
  const flag = (change: Parameters<typeof setNotifyFlags>[0]) => {
    setError(null);
    setNotifyFlags(change).catch((err) => setError(err instanceof RequestError ? err.message : 'Not saved.'));
  };
  const here = roomId != null ? rooms[roomId] : undefined;
  const others = Object.values(rooms)
    .filter((r) => r.member && r.id !== here?.id)
    .map((r) => ({ id: r.id, title: roomTitle(r, me) }))
    .sort((a, b) => a.title.localeCompare(b.title));
  return (
    <Dialog title="Notifications" onClose={onClose}>
      <div className="stack notify-settings">
        {here && <LevelRadios roomId={here.id} label={`Notify me in ${roomTitle(here, me)} about`} />}
        <label className={here ? 'notify-check notify-section' : 'notify-check'}>
          <input type="checkbox" checked={settings.dnd} onChange={(e) => flag({ dnd: e.target.checked })} />
          <span>
            Do not disturb
            <span className="small-text muted notify-hint">No notifications or sounds on any of your devices.</span>
          </span>
        </label>
        {error && (
          <p className="error small-text" role="alert">
            {error}
          </p>
        )}
        <section aria-label="This device" className="notify-section">
          <h3>This device</h3>
          <ThisDevice />
        </section>
        <fieldset className="notify-section">
          <legend>Sounds</legend>
          <label className="notify-check">
            <input
              type="checkbox"
              checked={settings.sound_direct}
              onChange={(e) => flag({ sound_direct: e.target.checked })}
            />
            Direct messages and mentions
          </label>
          <label className="notify-check">
            <input
              type="checkbox"
              checked={settings.sound_channels}
              onChange={(e) => flag({ sound_channels: e.target.checked })}
            />
            Other channel messages
          </label>
        </fieldset>
        {others.length > 0 && (
          <section aria-label={here ? 'Other rooms' : 'Rooms'} className="notify-section">
            <h3>{here ? 'Other rooms' : 'Rooms'}</h3>
            <ul className="notify-rooms">
              {others.map((r) => (
                <RoomLevel key={r.id} roomId={r.id} title={r.title} />
              ))}
            </ul>
          </section>
        )}
      </div>
    </Dialog>
  );
}
