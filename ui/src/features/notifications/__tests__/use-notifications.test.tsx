import { render } from '@testing-library/react';
import { act } from 'react';

import { useChat } from '@/features/chat';
import { _resetDesktopApiForTests, desktopApi } from '@/features/desktop';
import { useNotifications } from '@/features/notifications/hooks/use-notifications';
import { mentions } from '@/features/notifications/lib/message-note';
import { useNotify } from '@/features/notifications/stores/notify-store';
import { COMMANDS, EVENTS, type NotifySettings } from '@/lib/protocol';
import { useSession } from '@/stores/session-store';
import { BOB, ME, msg, room, welcome } from '@/testing/data';
import { type FakeApi, fakeApi, installPywebview, removePywebview } from '@/testing/fake-pywebview';
import { fake } from '@/testing/fake-socket';

function Probe() {
  useNotifications();
  return null;
}

const flush = () => act(() => new Promise((r) => setTimeout(r, 0)));
const settings = (over: Partial<NotifySettings> = {}): NotifySettings => ({
  dnd: false,
  sound_channels: false,
  sound_direct: true,
  rooms: [],
  ...over,
});
let api: FakeApi;
let focused = false;

beforeEach(async () => {
  fake.reset();
  _resetDesktopApiForTests();
  api = fakeApi();
  installPywebview(api);
  await desktopApi(500);
  focused = false;
  vi.spyOn(document, 'hasFocus').mockImplementation(() => focused);
  useNotify.getState().setSettings(settings());
  useChat.setState({ scope: null, messages: {}, lastRead: {}, activeRoomId: null });
  const w = welcome([room(1, 'general'), room(2, 'random')]);
  useChat.getState().applyWelcome(w);
  useChat.getState().setActiveRoom(1);
  useSession.getState().welcome(w);
});

afterEach(() => {
  removePywebview();
  vi.restoreAllMocks();
});

describe('useNotifications in the desktop window', () => {
  it('notifies natively about others’ messages, per the settings, naming the room to open', async () => {
    render(<Probe />);
    act(() => fake.serverEmit(EVENTS.messageCreated, msg(7, 2, BOB, 'lunch at noon?')));
    act(() => fake.serverEmit(EVENTS.messageCreated, msg(8, 1, ME, 'my own')));
    await flush();
    expect(api.notify).toHaveBeenCalledTimes(1);
    expect(api.notify).toHaveBeenCalledWith('bob in #random', 'lunch at noon?', 2);

    act(() => fake.serverEmit(EVENTS.messageCreated, msg(9, 1, BOB, 'hey @Ana, look\n\nhere')));
    await flush();
    expect(api.notify).toHaveBeenLastCalledWith('bob mentioned you in #general', 'hey @Ana, look here', 1);

    focused = true; // looking at #general: its messages are on screen already
    act(() => fake.serverEmit(EVENTS.messageCreated, msg(10, 1, BOB, 'seen anyway')));
    await flush();
    expect(api.notify).toHaveBeenCalledTimes(2);
  });

  it('follows notify_settings_changed: a muted room is quiet, a mentions-only one only for mentions', async () => {
    render(<Probe />);
    const muted = settings({
      rooms: [
        { room_id: 2, level: 'nothing' },
        { room_id: 1, level: 'mentions' },
      ],
    });
    act(() => fake.serverEmit(EVENTS.notifySettingsChanged, muted));
    act(() => fake.serverEmit(EVENTS.messageCreated, msg(11, 2, BOB, '@ana in a muted room')));
    act(() => fake.serverEmit(EVENTS.messageCreated, msg(12, 1, BOB, 'chatter')));
    await flush();
    expect(api.notify).not.toHaveBeenCalled();
    act(() => fake.serverEmit(EVENTS.messageCreated, msg(13, 1, BOB, 'ana: are you there?')));
    await flush();
    expect(api.notify).toHaveBeenCalledWith('bob mentioned you in #general', 'ana: are you there?', 1);

    act(() => fake.serverEmit(EVENTS.notifySettingsChanged, { ...muted, dnd: true }));
    act(() => fake.serverEmit(EVENTS.messageCreated, msg(14, 1, BOB, 'ana, again')));
    await flush();
    expect(api.notify).toHaveBeenCalledTimes(1);
  });

  it('is quiet while the person’s own status is do not disturb, and alerts again once it is not', async () => {
    render(<Probe />);
    const me = { ...ME, ...useChat.getState().users[ME.id] };
    act(() => useChat.getState().upsertUser({ ...me, status: 'dnd' }));
    act(() => fake.serverEmit(EVENTS.messageCreated, msg(15, 2, BOB, '@ana busy?')));
    await flush();
    expect(api.notify).not.toHaveBeenCalled();
    act(() => useChat.getState().upsertUser({ ...me, status: 'available' }));
    act(() => fake.serverEmit(EVENTS.messageCreated, msg(16, 2, BOB, '@ana back?')));
    await flush();
    expect(api.notify).toHaveBeenCalledTimes(1);
  });

  it('loads the settings from the host on welcome', async () => {
    fake.connected = true;
    fake.handle(COMMANDS.getNotifySettings, () => ({ settings: settings({ dnd: true }) }));
    render(<Probe />);
    act(() => fake.serverEmit(EVENTS.welcome, welcome()));
    await flush();
    expect(useNotify.getState().settings.dnd).toBe(true);
  });

  it('opens the room a clicked native notification names', async () => {
    render(<Probe />);
    act(() => {
      window.dispatchEvent(new CustomEvent('parley:open-room', { detail: 2 }));
    });
    await flush();
    expect(useChat.getState().activeRoomId).toBe(2);
  });
});

describe('useNotifications in a browser', () => {
  it('uses the Notification API once allowed, and a click opens the room', async () => {
    removePywebview();
    _resetDesktopApiForTests();
    await desktopApi(10);
    const made: { title: string; options: NotificationOptions; onclick: (() => void) | null }[] = [];
    class FakeNotification {
      static permission: NotificationPermission = 'granted';
      onclick: (() => void) | null = null;
      constructor(title: string, options: NotificationOptions) {
        made.push(this as never);
        Object.assign(this, { title, options });
      }
      close() {}
    }
    vi.stubGlobal('Notification', FakeNotification);
    vi.stubGlobal('isSecureContext', true); // jsdom has none; loopback and https have true
    render(<Probe />);
    act(() => fake.serverEmit(EVENTS.messageCreated, msg(15, 2, BOB, 'over here')));
    await flush();
    expect(made).toHaveLength(1);
    expect(made[0]).toMatchObject({ title: 'bob in #random', options: { body: 'over here' } });
    act(() => made[0]?.onclick?.());
    await flush();
    expect(useChat.getState().activeRoomId).toBe(2);
    vi.unstubAllGlobals();
  });
});

describe('mentions', () => {
  it('matches the name as a word, with or without @, any case', () => {
    expect(mentions('hi ana!', 'Ana')).toBe(true);
    expect(mentions('@ANA look', 'ana')).toBe(true);
    expect(mentions('banana', 'ana')).toBe(false);
    expect(mentions('anastasia', 'ana')).toBe(false);
    expect(mentions('ping j.r.', 'j.r.')).toBe(true);
    expect(mentions('anything', '')).toBe(false);
  });
});
