import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { useChat } from '@/features/chat';
import { _resetDesktopApiForTests, desktopApi } from '@/features/desktop';
import { NotifyDialog } from '@/features/notifications/components/notify-dialog';
import { DEFAULT_SETTINGS } from '@/features/notifications/lib/decide';
import { useNotify } from '@/features/notifications/stores/notify-store';
import { COMMANDS, type NotifySettings } from '@/lib/protocol';
import { room, welcome } from '@/testing/data';
import { fake } from '@/testing/fake-socket';

const sent = (command: string) => fake.sent.filter((s) => s.command === command).map((s) => s.payload);
let stored: NotifySettings;

beforeEach(async () => {
  fake.reset();
  fake.open();
  _resetDesktopApiForTests();
  await desktopApi(10); // a browser: no desktop window
  useChat.setState({ scope: null });
  useChat.getState().applyWelcome(welcome([room(1, 'general'), room(2, 'random')]));
  stored = structuredClone(DEFAULT_SETTINGS);
  useNotify.getState().setSettings(stored);
  fake.handle(COMMANDS.setRoomNotify, (p: { room_id: number; level: 'all' | 'mentions' | 'nothing' }) => {
    stored = { ...stored, rooms: [...stored.rooms.filter((r) => r.room_id !== p.room_id), p] };
    return { settings: stored };
  });
  fake.handle(COMMANDS.setNotifySettings, (p: Partial<NotifySettings>) => {
    stored = { ...stored, ...p };
    return { settings: stored };
  });
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('NotifyDialog', () => {
  it('explains why a browser on plain http gets no notifications, and asks nothing', async () => {
    const requestPermission = vi.fn();
    vi.stubGlobal('isSecureContext', false);
    vi.stubGlobal('Notification', Object.assign(function Notification() {}, { permission: 'default', requestPermission }));
    useNotify.getState().setSupport('insecure');
    render(<NotifyDialog onClose={() => undefined} />);
    expect(await screen.findByText('This browser cannot show notifications from Parley.')).toBeInTheDocument();
    expect(screen.getByRole('note')).toHaveTextContent(/plain http on your local network/);
    expect(screen.getByRole('note')).toHaveTextContent(/Encrypted connections are coming/);
    expect(screen.queryByRole('button', { name: /Allow notifications/ })).toBeNull();
    expect(requestPermission).not.toHaveBeenCalled();
  });

  it('asks the browser for permission only when the person clicks Allow', async () => {
    const requestPermission = vi.fn(async () => 'granted' as const);
    vi.stubGlobal('isSecureContext', true);
    vi.stubGlobal('Notification', Object.assign(function Notification() {}, { permission: 'default', requestPermission }));
    useNotify.getState().setSupport('default');
    const user = userEvent.setup();
    render(<NotifyDialog onClose={() => undefined} />);
    const allow = await screen.findByRole('button', { name: 'Allow notifications in this browser' });
    expect(requestPermission).not.toHaveBeenCalled();
    await user.click(allow);
    expect(requestPermission).toHaveBeenCalledTimes(1);
    expect(await screen.findByText('This browser shows Parley’s notifications.')).toBeInTheDocument();
  });

  it('sends each change to the host: the open room first, DND, sounds, other rooms', async () => {
    useNotify.getState().setSupport('granted');
    const user = userEvent.setup();
    render(<NotifyDialog roomId={2} onClose={() => undefined} />);
    const here = screen.getByRole('group', { name: 'Notify me in #random about' });
    expect(within(here).getByRole('radio', { name: 'All messages' })).toBeChecked();
    await user.click(within(here).getByRole('radio', { name: 'Mentions only' }));
    expect(sent(COMMANDS.setRoomNotify)).toEqual([{ room_id: 2, level: 'mentions' }]);
    expect(within(here).getByRole('radio', { name: 'Mentions only' })).toBeChecked();

    await user.click(screen.getByRole('checkbox', { name: /Do not disturb/ }));
    await user.click(screen.getByRole('checkbox', { name: 'Other channel messages' }));
    expect(sent(COMMANDS.setNotifySettings)).toEqual([{ dnd: true }, { sound_channels: true }]);
    expect(screen.getByRole('checkbox', { name: 'Direct messages and mentions' })).toBeChecked();

    const others = screen.getByRole('region', { name: 'Other rooms' });
    await user.selectOptions(within(others).getByRole('combobox', { name: '#general' }), 'nothing');
    expect(sent(COMMANDS.setRoomNotify).at(-1)).toEqual({ room_id: 1, level: 'nothing' });
    expect(useNotify.getState().settings.rooms).toEqual([
      { room_id: 2, level: 'mentions' },
      { room_id: 1, level: 'nothing' },
    ]);
  });
});
