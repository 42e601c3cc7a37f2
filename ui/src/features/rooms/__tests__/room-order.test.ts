import { nextRoom, sidebarOrder } from '@/features/rooms/lib/room-order';
import { room } from '@/testing/data';

const rooms = {
  1: room(1, 'general'),
  2: room(2, 'random'),
  3: room(3, 'design'),
  4: room(4, 'left', 0, false),
  5: { ...room(5, '', 9), kind: 'dm' as const },
};

describe('Alt+↑/↓ room order', () => {
  it('lists the rooms I am in as the sidebar does: channels by name, then direct messages', () => {
    expect(sidebarOrder(rooms).map((r) => r.id)).toEqual([3, 1, 2, 5]);
  });

  it('steps to the next and previous room, wrapping around', () => {
    const order = sidebarOrder(rooms);
    expect(nextRoom(order, 1, 1)).toBe(2);
    expect(nextRoom(order, 1, -1)).toBe(3);
    expect(nextRoom(order, 5, 1)).toBe(3);
    expect(nextRoom(order, null, -1)).toBe(5);
  });

  it('with Shift, only unread rooms count', () => {
    const order = sidebarOrder(rooms);
    expect(nextRoom(order, 3, 1, (id) => id === 5)).toBe(5);
    expect(nextRoom(order, 3, 1, () => false)).toBeNull();
  });
});
