/** Composes the features; no socket calls here. */
import { useCallback, useEffect, useState } from 'react';

import { HostSettingsButton, PeopleDialog } from '@/features/admin';
import { DevicesDialog } from '@/features/devices';
import { ChatRoom, useChat } from '@/features/chat';
import { ConnectionBanner, ConnectionDot } from '@/features/connection';
import { NotEncryptedMarker } from '@/features/encryption';
import { StartScreen, useDesktopBridge, useStartScreen } from '@/features/desktop';
import { roomTitle } from '@/features/dms';
import { NearbyHostsDialog, useNearbyHosts } from '@/features/hosts';
import { InvitePanel } from '@/features/invite';
import { JoinScreen } from '@/features/join';
import { NotifyDialog, RoomNotifyButton, useNotifications } from '@/features/notifications';
import { PeerList } from '@/features/peers';
import { MeButton } from '@/features/profile';
import {
  LeaveRoomButton,
  RoomRetentionButton,
  RoomSidebar,
  RoomSwitcher,
  useRoomKeys,
  useTitleUnread,
} from '@/features/rooms';
import { SearchButton } from '@/features/search';
import { SelfCheckDialog } from '@/features/selfcheck';
import { connectFailureText } from '@/lib/connect-failure';
import { useSession } from '@/stores/session-store';

type Dialog = 'invite' | 'selfcheck' | 'hosts' | 'notify' | 'devices' | 'people';

/** The dialogs the room list's footer opens, in order; `admin`: shown to admins only. */
const SIDEBAR_DIALOGS: { dialog: Dialog; label: string; admin?: boolean }[] = [
  { dialog: 'hosts', label: 'Nearby hosts' },
  { dialog: 'notify', label: 'Notifications' },
  { dialog: 'devices', label: 'Your devices' },
  { dialog: 'people', label: 'People and admins', admin: true },
  { dialog: 'selfcheck', label: 'Self-check', admin: true },
];

function Shell() {
  const user = useSession((s) => s.user);
  const server = useSession((s) => s.server);
  const activeRoomId = useChat((s) => s.activeRoomId);
  const room = useChat((s) => (s.activeRoomId === null ? undefined : s.rooms[s.activeRoomId]));
  const [drawer, setDrawer] = useState<'rooms' | 'people' | null>(null);
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const admin = (user?.is_host || user?.admin) ?? false;
  const closeDialog = useCallback(() => setDialog(null), []);
  const openSelfCheck = useCallback(() => setDialog('selfcheck'), []);
  const closeDrawer = useCallback(() => setDrawer(null), []);
  useTitleUnread();
  useRoomKeys();

  // A direct message opened from the people drawer: that drawer has done its job. (The rooms
  // drawer closes itself when a room is picked from it.)
  useEffect(() => setDrawer((d) => (d === 'people' ? null : d)), [activeRoomId]);

  useEffect(() => {
    if (!drawer) return;
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setDrawer(null);
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [drawer]);

  return (
    <div className={`shell${drawer ? ` drawer-${drawer}` : ''}`}>
      <header className="topbar">
        <button
          type="button"
          className="icon-button only-narrow"
          aria-label="Show rooms"
          aria-expanded={drawer === 'rooms'}
          onClick={() => setDrawer(drawer === 'rooms' ? null : 'rooms')}
        >
          ☰
        </button>
        <div className="brand">
          <span className="logo" aria-hidden="true">
            ◆
          </span>{' '}
          <ConnectionDot /> <span className="brand-name">{server?.name ?? 'Parley'}</span>
        </div>
        <NotEncryptedMarker />
        <h1 className="room-title">{room ? roomTitle(room, user?.id ?? null) : ''}</h1>
        <div className="topbar-actions">
          <SearchButton />
          <HostSettingsButton />
          {activeRoomId !== null && <LeaveRoomButton key={activeRoomId} roomId={activeRoomId} />}
          {activeRoomId !== null && <RoomRetentionButton key={`retention-${activeRoomId}`} roomId={activeRoomId} />}
          {activeRoomId !== null && <RoomNotifyButton key={`notify-${activeRoomId}`} roomId={activeRoomId} />}
          {admin && (
            <button type="button" className="small" onClick={() => setDialog('invite')}>
              Invite
            </button>
          )}
          <button
            type="button"
            className="small only-narrow-people"
            aria-expanded={drawer === 'people'}
            onClick={() => setDrawer(drawer === 'people' ? null : 'people')}
          >
            People
          </button>
          <MeButton />
        </div>
      </header>
      <ConnectionBanner />
      <div className="body">
        <RoomSidebar
          onPick={closeDrawer}
          footer={
            <>
              {SIDEBAR_DIALOGS.filter((d) => admin || !d.admin).map((d) => (
                <button
                  key={d.dialog}
                  type="button"
                  className="small"
                  onClick={() => {
                    closeDrawer();
                    setDialog(d.dialog);
                  }}
                >
                  {d.label}
                </button>
              ))}
            </>
          }
        />
        {drawer && <div className="scrim" onClick={closeDrawer} aria-hidden="true" />}
        <main className="main">
          {activeRoomId !== null && room?.member ? (
            <ChatRoom key={activeRoomId} roomId={activeRoomId} />
          ) : (
            <p className="muted empty">Pick a room.</p>
          )}
        </main>
        {activeRoomId !== null && <PeerList roomId={activeRoomId} />}
      </div>
      <RoomSwitcher />
      {dialog === 'invite' && admin && <InvitePanel onClose={closeDialog} onSelfCheck={openSelfCheck} />}
      {dialog === 'selfcheck' && <SelfCheckDialog onClose={closeDialog} />}
      {dialog === 'hosts' && <NearbyHostsDialog onClose={closeDialog} />}
      {dialog === 'notify' && <NotifyDialog onClose={closeDialog} />}
      {dialog === 'devices' && <DevicesDialog onClose={closeDialog} />}
      {dialog === 'people' && admin && <PeopleDialog onClose={closeDialog} />}
    </div>
  );
}

/** The start screen lists what this page's host finds nearby: the same list as the chat's dialog. */
function Start() {
  return <StartScreen nearby={useNearbyHosts()} />;
}

export function App() {
  useDesktopBridge();
  useNotifications();
  const startScreen = useStartScreen();
  const user = useSession((s) => s.user);
  const connecting = useSession(
    (s) => s.status === 'connecting' && (s.ownerKey !== null || s.linkSecret !== null || s.token !== null),
  );
  const failure = useSession((s) => s.connectFailure);
  if (startScreen) return <Start />;
  if (user) return <Shell />;
  if (connecting) {
    return (
      <main className="join">
        <div className="stack">
          <p className="muted" role="status">
            Connecting to the host…
          </p>
          {failure && (
            <p className="error" role="alert">
              {connectFailureText(failure)}
            </p>
          )}
        </div>
      </main>
    );
  }
  return <JoinScreen />;
}
