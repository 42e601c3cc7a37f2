/** Composes the features; no socket calls here. */
import { useCallback, useEffect, useState } from 'react';

import { ChatRoom } from '@/features/chat/components/chat-room';
import { ConnectionBanner } from '@/features/connection/components/connection-banner';
import { StartScreen } from '@/features/desktop/components/start-screen';
import { useDesktopBridge } from '@/features/desktop/hooks/use-desktop-bridge';
import { useStartScreen } from '@/features/desktop/hooks/use-start-screen';
import { InvitePanel } from '@/features/invite/components/invite-panel';
import { JoinScreen } from '@/features/join/components/join-screen';
import { PeerList } from '@/features/peers/components/peer-list';
import { RoomSidebar } from '@/features/rooms/components/room-sidebar';
import { RoomSwitcher } from '@/features/rooms/components/room-switcher';
import { useTitleUnread } from '@/features/rooms/hooks/use-unread';
import { useChat } from '@/stores/chat-store';
import { useSession } from '@/stores/session-store';

function Shell() {
  const user = useSession((s) => s.user);
  const server = useSession((s) => s.server);
  const activeRoomId = useChat((s) => s.activeRoomId);
  const room = useChat((s) => (s.activeRoomId === null ? undefined : s.rooms[s.activeRoomId]));
  const [drawer, setDrawer] = useState<'rooms' | 'people' | null>(null);
  const [inviting, setInviting] = useState(false);
  const closeInvite = useCallback(() => setInviting(false), []);
  const closeDrawer = useCallback(() => setDrawer(null), []);
  useTitleUnread();

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
          <span className="brand-name">{server?.name ?? 'Parley'}</span>
        </div>
        <h1 className="room-title">{room ? `#${room.name}` : ''}</h1>
        <div className="topbar-actions">
          {user?.is_host && (
            <button type="button" className="small" onClick={() => setInviting(true)}>
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
          <span className="me" title="Signed in as">
            {user?.name}
          </span>
        </div>
      </header>
      <ConnectionBanner />
      <div className="body">
        <RoomSidebar onPick={closeDrawer} />
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
      {inviting && <InvitePanel onClose={closeInvite} />}
    </div>
  );
}

export function App() {
  useDesktopBridge();
  const startScreen = useStartScreen();
  const user = useSession((s) => s.user);
  const connecting = useSession((s) => s.status === 'connecting' && (s.ownerKey !== null || s.token !== null));
  if (startScreen) return <StartScreen />;
  if (user) return <Shell />;
  if (connecting) {
    return (
      <main className="join">
        <p className="muted" role="status">
          Connecting to the host…
        </p>
      </main>
    );
  }
  return <JoinScreen />;
}
