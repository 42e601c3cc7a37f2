/**
 * Alerts for live messages, on every page: the settings come from the host after each connect and
 * follow every change made on any of the person's devices; each message from someone else is
 * weighed by `decide` (level × mention × DM × do-not-disturb × focus) and, where it alerts, goes
 * out as a native notification in the desktop window or the browser's Notification API elsewhere,
 * with the chime where the settings say so. A click on either opens the message's room.
 */
import { useEffect } from 'react';

import { useChat } from '@/features/chat';
import { desktopApi, desktopNotify, OPEN_ROOM_EVENT } from '@/features/desktop';
import { loadNotifySettings } from '@/features/notifications/api/notify-settings';
import { browserSupport, showBrowserNotification } from '@/features/notifications/lib/browser-notify';
import { decide, levelOf } from '@/features/notifications/lib/decide';
import { mentionsMe, messageNotification } from '@/features/notifications/lib/message-note';
import { chime, unlockAudio } from '@/features/notifications/lib/sound';
import { useNotify } from '@/features/notifications/stores/notify-store';
import { openRoom } from '@/features/rooms';
import { EVENTS, type NotifySettings, type WireMessage } from '@/lib/protocol';
import { isConnected, onEvent } from '@/lib/socket';

function goTo(roomId: number): void {
  window.focus();
  void openRoom(roomId).catch(() => undefined);
}

async function deliver(m: WireMessage): Promise<void> {
  const note = messageNotification(m);
  if (!note) return;
  if (await desktopApi()) desktopNotify(note.title, note.body, m.room_id);
  else showBrowserNotification(note.title, note.body, m.room_id, () => goTo(m.room_id));
}

/** Weigh one live message; exported for the tests. */
export function alertFor(m: WireMessage): void {
  const chat = useChat.getState();
  if (chat.me === null || m.author.id === chat.me || m.deleted) return;
  const settings = useNotify.getState().settings;
  const alert = decide({
    level: levelOf(settings, m.room_id),
    mention: mentionsMe(m),
    dm: chat.rooms[m.room_id]?.kind === 'dm',
    // The panel's switch, or the person's status "do not disturb" (set on any of their devices).
    dnd: settings.dnd || chat.users[chat.me]?.status === 'dnd',
    focused: document.hasFocus(),
    open: m.room_id === chat.activeRoomId,
    soundChannels: settings.sound_channels,
    soundDirect: settings.sound_direct,
  });
  if (alert.sound) chime();
  if (alert.notify) void deliver(m).catch(() => undefined);
}

const load = () => void loadNotifySettings().catch(() => undefined); // defaults until it answers

export function useNotifications(): void {
  useEffect(() => {
    const offs = [
      onEvent(EVENTS.welcome, load),
      onEvent<NotifySettings>(EVENTS.notifySettingsChanged, (s) => useNotify.getState().setSettings(s)),
      onEvent<WireMessage>(EVENTS.messageCreated, alertFor),
    ];
    if (isConnected()) load();
    const onOpenRoom = (e: Event) => {
      const roomId = (e as CustomEvent<unknown>).detail;
      if (typeof roomId === 'number' && Number.isSafeInteger(roomId)) goTo(roomId);
    };
    // The permission may have changed in the browser's own site settings meanwhile.
    const recheck = () => useNotify.getState().setSupport(browserSupport());
    window.addEventListener(OPEN_ROOM_EVENT, onOpenRoom);
    window.addEventListener('focus', recheck);
    document.addEventListener('pointerdown', unlockAudio);
    document.addEventListener('keydown', unlockAudio);
    return () => {
      offs.forEach((off) => off());
      window.removeEventListener(OPEN_ROOM_EVENT, onOpenRoom);
      window.removeEventListener('focus', recheck);
      document.removeEventListener('pointerdown', unlockAudio);
      document.removeEventListener('keydown', unlockAudio);
    };
  }, []);
}
