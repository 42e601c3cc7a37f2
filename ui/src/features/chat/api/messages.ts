/**
 * Sending and changing my messages: the outbox is delivered (and retried when an ack is lost or
 * the host asks us to slow down), edits and deletions, and the typing notice.
 */
import { receive } from '@/features/chat/api/history';
import { useChat } from '@/features/chat/stores/chat-store';
import { COMMANDS, type MessageResult, type SendMessagePayload, TYPING_EVERY_MS, type WireMessage } from '@/lib/protocol';
import { RequestError } from '@/lib/request-error';
import { isConnected, request } from '@/lib/socket';
import { type OutboxEntry, type SendExtras, useOutbox } from '@/stores/outbox-store';
import { useSession } from '@/stores/session-store';

// A send whose ack was lost (timeout) is sent again after this long, while connected.
const LOST_ACK_RETRY_MS = 1000;
// The longest wait a rate_limited answer can impose before the send is tried again.
const RETRY_AFTER_MAX_S = 60;

const inflight = new Set<string>();
let lastTypingSent = 0;

/** Put a message in the outbox and try to deliver it now. */
export function sendMessage(roomId: number, text: string, extras: SendExtras = {}): OutboxEntry {
  const entry = useOutbox.getState().enqueue(roomId, text, extras);
  useChat.getState().clearNewSince(roomId);
  if (isConnected() && useSession.getState().status === 'connected') void deliver(entry);
  return entry;
}

async function deliver(entry: OutboxEntry): Promise<void> {
  if (entry.waiting?.length) return; // its files are still uploading (sent when the last one is in)
  if (inflight.has(entry.client_id)) return;
  inflight.add(entry.client_id);
  try {
    const payload: SendMessagePayload = { room_id: entry.room_id, text: entry.text, client_id: entry.client_id };
    if (entry.reply_to) payload.reply_to = entry.reply_to.id;
    if (entry.attachments?.length) payload.attachments = entry.attachments.map((f) => f.id);
    const { message } = await request<MessageResult>(COMMANDS.sendMessage, payload);
    receive([message]);
    useOutbox.getState().remove(entry.client_id);
    typingAfterSend(entry.room_id);
  } catch (err) {
    // Only a lost ack is tried again (the host dedupes the resend by client_id), and a send the
    // host asked us to slow down. Any other answer (too_large, invalid, forbidden, not_found,
    // storage_full, …) is final for this message: sending it again would get the same answer,
    // so it shows as failed with the host's sentence (Retry is the person's call), and the
    // messages behind it go on.
    const e = err instanceof RequestError ? err : new RequestError('internal', String(err));
    if (e.code === 'offline') return; // stays "sending"; flushed on the next welcome
    if (e.code === 'timeout' || e.code === 'rate_limited') {
      const wait = e.code === 'rate_limited' ? retryAfterMs(e.data?.retry_after) : LOST_ACK_RETRY_MS;
      setTimeout(() => {
        const still = useOutbox.getState().entries.find((x) => x.client_id === entry.client_id);
        if (still && still.state === 'sending' && isConnected()) void deliver(still);
      }, wait);
      return;
    }
    useOutbox.getState().mark(entry.client_id, 'failed', e.message);
  } finally {
    inflight.delete(entry.client_id);
  }
}

/** The host's `retry_after` (seconds) as a delay, kept to something sane whatever it says. */
function retryAfterMs(retryAfter: unknown): number {
  const seconds = typeof retryAfter === 'number' && Number.isFinite(retryAfter) ? retryAfter : 1;
  return Math.min(Math.max(seconds, 0.2), RETRY_AFTER_MAX_S) * 1000;
}

/** Send every pending outbox entry, oldest first, once connected. */
export async function flushOutbox(): Promise<void> {
  for (const entry of useOutbox.getState().entries) {
    if (entry.state !== 'sending') continue;
    if (!isConnected()) return;
    await deliver(entry);
  }
}

export function retryMessage(clientId: string): void {
  const entry = useOutbox.getState().entries.find((e) => e.client_id === clientId);
  if (!entry) return;
  useOutbox.getState().mark(clientId, 'sending');
  if (isConnected()) void deliver({ ...entry, state: 'sending' });
}

export function discardMessage(clientId: string): void {
  useOutbox.getState().remove(clientId);
}

/** Apply a changed message from an ack (the room's event follows; both are idempotent). */
function applyAck(message: WireMessage): WireMessage {
  useChat.getState().applyChanges(message.room_id, [message]);
  return message;
}

/** Edit one of my messages; throws RequestError with the host's sentence. */
export async function editMessage(messageId: number, text: string): Promise<WireMessage> {
  const r = await request<MessageResult>(COMMANDS.editMessage, { message_id: messageId, text });
  return applyAck(r.message);
}

/** Delete a message (mine, or any as the host user); it becomes a tombstone everywhere. */
export async function deleteMessage(messageId: number): Promise<WireMessage> {
  const r = await request<MessageResult>(COMMANDS.deleteMessage, { message_id: messageId });
  return applyAck(r.message);
}

/** Tell the room we are typing, at most every 3 s. */
export function notifyTyping(roomId: number, now = Date.now()): void {
  if (now - lastTypingSent < TYPING_EVERY_MS || !isConnected()) return;
  lastTypingSent = now;
  request(COMMANDS.typing, { room_id: roomId }).catch(() => undefined);
}

/**
 * A message of mine reached the host. Others stop showing me as typing when it arrives, so the
 * 3 s pause starts over: the next keystroke says "typing" at once, and if I already typed on
 * while it was on its way (that `typing` may have reached them before the message, which then
 * cleared it), say it again now that the message is out.
 */
function typingAfterSend(roomId: number): void {
  lastTypingSent = 0;
  if (useChat.getState().drafts[roomId]) notifyTyping(roomId);
}

/** Reset module state between unit tests. */
export function _resetMessagesForTests(): void {
  inflight.clear();
  lastTypingSent = 0;
}
