/**
 * What the composer of each room is about to do besides plain text: the message it replies to,
 * the files to attach, and which message (if any) is being edited in place. UI state only; the
 * draft text itself lives in features/chat's chat-store (persisted).
 *
 * Shared, so it stays in stores/: the composer (features/chat) and the attach controls and
 * uploads (features/files) both read and change it.
 */
import { create } from 'zustand';

import { MAX_ATTACHMENTS, type WireFile, type WireQuote } from '@/lib/protocol';

export type Editing = { roomId: number; messageId: number };

type ComposeState = {
  replyTo: Record<number, WireQuote>;
  /** Completed uploads waiting for the next send (features/files adds them; a send takes them). */
  attachments: Record<number, WireFile[]>;
  editing: Editing | null;
  /** Bumped to ask the room's composer to take focus (after "Reply", after an edit ends). */
  focusSeq: number;

  startReply: (roomId: number, quote: WireQuote) => void;
  cancelReply: (roomId: number) => void;
  addAttachment: (roomId: number, file: WireFile) => void;
  removeAttachment: (roomId: number, fileId: number) => void;
  /** Take (and clear) what the next send carries. */
  take: (roomId: number) => { replyTo?: WireQuote; attachments: WireFile[] };
  startEdit: (roomId: number, messageId: number) => void;
  stopEdit: () => void;
  focusComposer: () => void;
};

function without<T>(record: Record<number, T>, key: number): Record<number, T> {
  const copy = { ...record };
  delete copy[key];
  return copy;
}

export const useCompose = create<ComposeState>((set, get) => ({
  replyTo: {},
  attachments: {},
  editing: null,
  focusSeq: 0,

  startReply: (roomId, quote) =>
    set({ replyTo: { ...get().replyTo, [roomId]: quote }, editing: null, focusSeq: get().focusSeq + 1 }),
  cancelReply: (roomId) => set({ replyTo: without(get().replyTo, roomId) }),
  addAttachment: (roomId, file) => {
    const held = get().attachments[roomId] ?? [];
    if (held.some((f) => f.id === file.id) || held.length >= MAX_ATTACHMENTS) return;
    set({ attachments: { ...get().attachments, [roomId]: [...held, file] } });
  },
  removeAttachment: (roomId, fileId) => {
    const held = (get().attachments[roomId] ?? []).filter((f) => f.id !== fileId);
    set({ attachments: held.length ? { ...get().attachments, [roomId]: held } : without(get().attachments, roomId) });
  },
  take: (roomId) => {
    const out = { replyTo: get().replyTo[roomId], attachments: get().attachments[roomId] ?? [] };
    set({ replyTo: without(get().replyTo, roomId), attachments: without(get().attachments, roomId) });
    return out;
  },
  startEdit: (roomId, messageId) => set({ editing: { roomId, messageId } }),
  stopEdit: () => set({ editing: null, focusSeq: get().focusSeq + 1 }),
  focusComposer: () => set({ focusSeq: get().focusSeq + 1 }),
}));
