/** Reactions to a message, through the host. */
import { useChat } from '@/features/chat';
import { COMMANDS, type MessageResult, type WireMessage } from '@/lib/protocol';
import { request } from '@/lib/socket';

/** Add (`on`) or remove my reaction. */
export async function react(messageId: number, emoji: string, on: boolean): Promise<WireMessage> {
  const r = await request<MessageResult>(COMMANDS.react, { message_id: messageId, emoji, on });
  // The ack's copy is applied now; the room's event follows (both are idempotent).
  useChat.getState().applyChanges(r.message.room_id, [r.message]);
  return r.message;
}
