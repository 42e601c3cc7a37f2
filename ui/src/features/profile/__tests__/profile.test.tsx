import { act, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { useChat } from '@/features/chat';
import { _resetSyncForTests, startSync } from '@/features/connection';
import { _resetDesktopApiForTests } from '@/features/desktop';
import { useAutoAway } from '@/features/profile/hooks/use-auto-away';
import { MeButton } from '@/features/profile/components/me-button';
import { ProfileDialog } from '@/features/profile/components/profile-dialog';
import { IDLE_AWAY_MS, idleChange, statusLine } from '@/features/profile/lib/status';
import { COMMANDS, EVENTS, type WireRoom, type WireUser } from '@/lib/protocol';
import { RequestError } from '@/lib/request-error';
import { useSession } from '@/stores/session-store';
import { fake } from '@/testing/fake-socket';
import { fakeApi, installPywebview, removePywebview } from '@/testing/fake-pywebview';
import { BOB, ME, room, welcome } from '@/testing/data';

let stop: () => void;

beforeEach(() => {
  fake.reset();
  _resetSyncForTests();
  _resetDesktopApiForTests();
  useChat.setState(useChat.getInitialState(), true);
  useSession.setState({ status: 'idle', user: null, token: null, pendingJoin: null, ownerKey: null, everConnected: false, tried: null, hostWindow: false, nameSuggestion: null });
  stop = startSync();
});

afterEach(() => {
  stop();
  removePywebview();
  vi.useRealTimers();
});

const DM: WireRoom = { ...room(5, ''), kind: 'dm', members: [{ id: ME.id, name: ME.name }, { id: BOB.id, name: BOB.name }] };

function signIn(extra: Partial<ReturnType<typeof welcome>> = {}) {
  fake.open();
  fake.handle(COMMANDS.fetchMessages, () => ({ messages: [], has_more: false, rev: 0 }));
  fake.handle(COMMANDS.listMembers, () => ({ members: [] }));
  fake.handle(COMMANDS.countUnread, () => ({ counts: [] }));
  act(() => fake.serverEmit(EVENTS.welcome, { ...welcome([room(1, 'general'), DM]), ...extra }));
}

/** A host that answers set_name / set_status like the real one (the caller's new wire form). */
function answerProfile(me: WireUser = { ...ME, status: 'available', status_text: '' }) {
  let current = me;
  fake.handle(COMMANDS.setName, (p: { name: string }) => {
    if (p.name.trim().toLowerCase() === 'bob') throw new RequestError('name_taken', 'Someone here is already called bob. Pick another name.');
    current = { ...current, name: p.name.trim() };
    return { user: current };
  });
  fake.handle(COMMANDS.setStatus, (p: { status: 'available' | 'away' | 'dnd'; text: string; auto?: boolean }) => {
    current = { ...current, status: p.status, status_text: p.text, status_auto: p.auto };
    return { user: current };
  });
}

describe('status lines and idleness', () => {
  it('says a status in words, available only by its text', () => {
    expect(statusLine({ status: 'dnd', status_text: 'focus' })).toBe('Do not disturb · focus');
    expect(statusLine({ status: 'away', status_text: '' })).toBe('Away');
    expect(statusLine({ status: 'available', status_text: 'here' })).toBe('here');
    expect(statusLine({})).toBe('');
  });

  it('goes away after the idle time only when available, and back only from an idle away', () => {
    expect(IDLE_AWAY_MS).toBe(10 * 60_000);
    expect(idleChange({ status: 'available' }, IDLE_AWAY_MS - 1)).toBeNull();
    expect(idleChange({ status: 'available' }, IDLE_AWAY_MS)).toBe('away');
    expect(idleChange({ status: 'dnd' }, IDLE_AWAY_MS * 9)).toBeNull();
    expect(idleChange({ status: 'away' }, 0)).toBeNull(); // an away the person chose stays
    expect(idleChange({ status: 'away', status_auto: true }, 0)).toBe('back');
    expect(idleChange({ status: 'away', status_auto: true }, IDLE_AWAY_MS)).toBeNull();
  });
});

describe('user_updated', () => {
  it('renames someone in the people map, in direct message titles and in the session', () => {
    signIn();
    act(() => fake.serverEmit(EVENTS.userUpdated, { user: { ...BOB, name: 'Bob Marley', status: 'dnd', status_text: 'gig', online: true } }));
    expect(useChat.getState().users[BOB.id]).toMatchObject({ name: 'Bob Marley', status: 'dnd', status_text: 'gig' });
    expect(useChat.getState().rooms[5]!.members!.map((m) => m.name)).toEqual(['ana', 'Bob Marley']);
    act(() => fake.serverEmit(EVENTS.userUpdated, { user: { ...ME, name: 'Ana Lopez', online: true } }));
    expect(useSession.getState().user?.name).toBe('Ana Lopez');
    // The cached identity (shown before the host answers after a reload) follows too.
    expect(JSON.parse(localStorage.getItem('parley:welcome')!).user.name).toBe('Ana Lopez');
  });
});

describe('ProfileDialog', () => {
  it('saves a new name and a status; the host’s refusal is shown as it says it', async () => {
    const user = userEvent.setup();
    signIn();
    answerProfile();
    render(<ProfileDialog onClose={() => undefined} />);
    const name = screen.getByLabelText('Display name');
    await user.clear(name);
    await user.type(name, 'bob');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Someone here is already called bob.');
    await user.clear(name);
    await user.type(name, 'Ana Lopez');
    await user.click(screen.getByRole('radio', { name: 'Away' }));
    await user.type(screen.getByLabelText('Status message'), 'lunch');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByRole('status')).toHaveTextContent('Saved');
    expect(fake.sent.filter((s) => s.command !== COMMANDS.fetchMessages && s.command !== COMMANDS.countUnread && s.command !== COMMANDS.listMembers).map((s) => [s.command, s.payload])).toEqual([
      [COMMANDS.setName, { name: 'bob' }],
      [COMMANDS.setName, { name: 'Ana Lopez' }],
      [COMMANDS.setStatus, { status: 'away', text: 'lunch' }],
    ]);
    expect(useChat.getState().users[ME.id]).toMatchObject({ name: 'Ana Lopez', status: 'away', status_text: 'lunch' });
  });

  it('signs this device out: the token and cached identity are forgotten, no reconnect follows', async () => {
    const user = userEvent.setup();
    signIn();
    fake.handle(COMMANDS.signOut, () => {
      setTimeout(() => fake.drop('io server disconnect')); // the host drops us after the ack
      return {};
    });
    render(<ProfileDialog onClose={() => undefined} />);
    await user.click(screen.getByRole('button', { name: 'Sign out of this device' }));
    await waitFor(() => expect(useSession.getState().user).toBeNull());
    expect(useSession.getState().token).toBeNull();
    expect(localStorage.getItem('parley:token')).toBeNull();
    expect(localStorage.getItem('parley:welcome')).toBeNull();
    const handshakes = fake.handshakes.length;
    await new Promise((r) => setTimeout(r, 10));
    expect(fake.handshakes.length).toBe(handshakes); // signed out, not reconnecting
  });

  it('offers no sign-out in the host’s own window', () => {
    useSession.setState({ ownerKey: 'k' });
    useSession.getState().handshake();
    signIn({ user: { ...ME, is_host: true } });
    render(<ProfileDialog onClose={() => undefined} />);
    expect(screen.queryByRole('button', { name: 'Sign out of this device' })).toBeNull();
  });
});

describe('the host person’s name on the desktop app’s first run', () => {
  it('asks in the desktop window, filled in with the OS account’s name', async () => {
    const user = userEvent.setup();
    installPywebview(fakeApi());
    signIn({ user: { ...ME, is_host: true }, name_suggestion: 'Ana María Lopez' });
    answerProfile();
    render(<MeButton />);
    const box = await screen.findByLabelText('What should people here call you?');
    expect(box).toHaveValue('Ana María Lopez');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.queryByLabelText('What should people here call you?')).toBeNull());
    expect(fake.sent.find((s) => s.command === COMMANDS.setName)?.payload).toEqual({ name: 'Ana María Lopez' });
    expect(useSession.getState().nameSuggestion).toBeNull();
  });

  it('never asks in a browser', async () => {
    signIn({ user: { ...ME, is_host: true }, name_suggestion: 'Ana' });
    render(<MeButton />);
    expect(screen.getByRole('button', { name: 'Your profile: ana, Available' })).toBeInTheDocument();
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.queryByLabelText('What should people here call you?')).toBeNull();
  });
});

describe('useAutoAway', () => {
  function Probe({ idleMs }: { idleMs: number }) {
    useAutoAway(idleMs);
    return null;
  }

  it('sets an idle away after the idle time, and takes it back on input', async () => {
    signIn();
    answerProfile({ ...ME, status: 'available', status_text: 'here' });
    act(() => fake.serverEmit(EVENTS.userUpdated, { user: { ...ME, status: 'available', status_text: 'here', online: true } }));
    render(<Probe idleMs={60} />);
    await waitFor(() => expect(useChat.getState().users[ME.id]?.status).toBe('away'), { timeout: 2000 });
    expect(fake.sent.find((s) => s.command === COMMANDS.setStatus)?.payload).toEqual({ status: 'away', text: 'here', auto: true });
    act(() => {
      window.dispatchEvent(new KeyboardEvent('keydown', { key: 'a' }));
    });
    await waitFor(() => expect(useChat.getState().users[ME.id]?.status).toBe('available'));
    expect(fake.sent.filter((s) => s.command === COMMANDS.setStatus).at(-1)?.payload).toEqual({ status: 'available', text: 'here' });
  });

  it('says away once per idle spell: another device taking it back is not fought', async () => {
    signIn();
    answerProfile();
    render(<Probe idleMs={30} />);
    await waitFor(() => expect(useChat.getState().users[ME.id]?.status).toBe('away'), { timeout: 2000 });
    // The person is active on their phone: it sets available (user_updated reaches this window).
    act(() => fake.serverEmit(EVENTS.userUpdated, { user: { ...ME, status: 'available', status_text: '', online: true } }));
    await new Promise((r) => setTimeout(r, 150));
    expect(fake.sent.filter((s) => s.command === COMMANDS.setStatus)).toHaveLength(1);
    expect(useChat.getState().users[ME.id]?.status).toBe('available');
  });

  it('leaves an away or do-not-disturb the person chose alone', async () => {
    signIn();
    answerProfile();
    act(() => fake.serverEmit(EVENTS.userUpdated, { user: { ...ME, status: 'dnd', status_text: '', online: true } }));
    render(<Probe idleMs={20} />);
    await new Promise((r) => setTimeout(r, 120));
    act(() => {
      window.dispatchEvent(new KeyboardEvent('keydown', { key: 'a' }));
    });
    expect(fake.sent.filter((s) => s.command === COMMANDS.setStatus)).toEqual([]);
  });
});
