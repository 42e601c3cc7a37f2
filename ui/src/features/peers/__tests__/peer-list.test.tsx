/**
 * The people panel's heading and order. A small host tells us everyone's presence: online first,
 * counted here. A big host tells us only of the people we show: by name (online-first would sort
 * on dots we do not hear of), and "N online" is the host's count of the room (room_online).
 */
import { act, render, screen, within } from '@testing-library/react';

import { setUsersComplete, useChat } from '@/features/chat';
import { _resetSyncForTests } from '@/features/connection';
import { PeerList } from '@/features/peers';
import type { WireUser } from '@/lib/protocol';
import { useSession } from '@/stores/session-store';
import { room, welcome } from '@/testing/data';
import { fake } from '@/testing/fake-socket';

const people: WireUser[] = [
  { id: 1, name: 'ana', is_host: false, online: true },
  { id: 2, name: 'bob', is_host: false, online: false },
  { id: 3, name: 'cy', is_host: false, online: true },
];

beforeEach(() => {
  fake.reset();
  _resetSyncForTests();
  useChat.setState(useChat.getInitialState(), true);
  useChat.getState().applyWelcome(welcome([room(1, 'general')]));
  useChat.getState().setMembers(1, people);
  useSession.setState({ status: 'connected' });
});

afterEach(() => setUsersComplete(true));

const names = () =>
  within(screen.getByRole('complementary', { name: 'People in this room' }))
    .getAllByRole('listitem')
    .map((li) => li.querySelector('.peer-name')!.textContent);

describe('PeerList', () => {
  it('on a small host lists the online first and counts them', () => {
    setUsersComplete(true);
    render(<PeerList roomId={1} />);
    expect(screen.getByRole('heading', { name: /People/ })).toHaveTextContent('2 online');
    expect(names()).toEqual(['ana (you)', 'cy', 'bob']);
  });

  it("on a big host lists by name and shows the host's count of the room, once it is known", () => {
    setUsersComplete(false);
    render(<PeerList roomId={1} />);
    expect(names()).toEqual(['ana (you)', 'bob', 'cy']);
    // Not yet answered (or the count of another room): no number rather than a wrong one.
    expect(screen.getByRole('heading', { name: /People/ })).not.toHaveTextContent('online');
    act(() => useChat.getState().setRoomOnline({ room_id: 7, online: 3 }));
    expect(screen.getByRole('heading', { name: /People/ })).not.toHaveTextContent('online');
    act(() => useChat.getState().setRoomOnline({ room_id: 1, online: 1234 }));
    expect(screen.getByRole('heading', { name: /People/ })).toHaveTextContent('1234 online');
  });

  it('on a big host counts and orders a direct message itself: its members are watched', () => {
    setUsersComplete(false);
    useChat.getState().applyWelcome(welcome([room(1, 'general'), { ...room(2, ''), kind: 'dm' }]));
    useChat.getState().setMembers(2, people);
    useChat.getState().setRoomOnline({ room_id: 1, online: 1234 }); // general's: not this one
    render(<PeerList roomId={2} />);
    expect(screen.getByRole('heading', { name: /People/ })).toHaveTextContent('2 online');
    expect(names()).toEqual(['ana (you)', 'cy', 'bob']);
  });
});
