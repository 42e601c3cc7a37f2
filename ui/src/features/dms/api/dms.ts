/** Direct messages through the host. */
import { useChat } from '@/features/chat';
import { openRoom } from '@/features/rooms';
import { COMMANDS, type RoomResult, type WireRoom } from '@/lib/protocol';
import { request } from '@/lib/socket';

/** Open (creating on first use) the direct message with these people, and show it. */
export async function openDm(userIds: number[]): Promise<WireRoom> {
  const r = await request<RoomResult>(COMMANDS.openDm, { user_ids: userIds });
  const room = { ...r.room, member: true };
  useChat.getState().upsertRoom(room);
  await openRoom(room.id);
  return room;
}
