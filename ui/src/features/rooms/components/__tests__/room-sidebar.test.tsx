import { render, screen, within } from '@testing-library/react';
import { act } from 'react';

import { useChat } from '@/features/chat';
import { LeaveRoomButton } from '@/features/rooms/components/leave-room-button';
import { RoomSidebar } from '@/features/rooms/components/room-sidebar';
import { useTitleUnread } from '@/features/rooms/hooks/use-unread';
import { BOB, msg, room, welcome } from '@/testing/data';

function TitleProbe() {
  useTitleUnread();
  return null;
}

beforeEach(() => {
  useChat.setState({ scope: null, messages: {}, lastRead: {}, activeRoomId: null });
  useChat.getState().applyWelcome(welcome([room(1, 'general'), room(2, 'random'), room(3, 'lunch', 0, false)]));
  useChat.getState().setActiveRoom(1);
});

describe('RoomSidebar', () => {
  it('shows unread counts in bold for rooms not open, and in the title', () => {
    render(
      <>
        <TitleProbe />
        <RoomSidebar onPick={() => undefined} />
      </>,
    );
    act(() => useChat.getState().addMessages(2, [msg(5, 2, BOB), msg(6, 2, BOB), msg(7, 2, BOB)]));
    const nav = screen.getByRole('navigation', { name: 'Rooms' });
    const random = within(nav).getByRole('button', { name: /random/ });
    expect(within(random).getByLabelText('3 unread')).toHaveTextContent('3');
    expect(random).toHaveClass('unread');
    expect(document.title).toBe('(3) Parley');

    act(() => {
      useChat.getState().setActiveRoom(2);
      useChat.getState().markRead(2); // what the open list does at its bottom
    });
    expect(within(nav).queryByLabelText('3 unread')).toBeNull();
    expect(document.title).toBe('Parley');
  });

  it('lists rooms you are not in under "Other rooms" with a join action', () => {
    render(<RoomSidebar onPick={() => undefined} />);
    expect(screen.getByRole('button', { name: 'Join #lunch' })).toBeInTheDocument();
    expect(within(screen.getByRole('list', { name: 'Other rooms' })).queryByText('general')).toBeNull();
  });
});

describe('LeaveRoomButton', () => {
  it('is not offered in general, and is in other rooms you are in', () => {
    const { rerender } = render(<LeaveRoomButton roomId={1} />);
    expect(screen.queryByRole('button', { name: 'Leave room' })).toBeNull();
    rerender(<LeaveRoomButton roomId={2} />);
    expect(screen.getByRole('button', { name: 'Leave room' })).toBeInTheDocument();
    rerender(<LeaveRoomButton roomId={3} />);
    expect(screen.queryByRole('button', { name: 'Leave room' })).toBeNull();
  });
});
