/**
 * Uploads in progress (per room), uploads left unfinished by an earlier page (to resume by
 * picking the same file again), and refusals to show. A finished upload joins the composer's
 * attachments (stores/compose-store.ts); the next send carries it through the outbox.
 */
import { create } from 'zustand';

import { retryMessage, useChat } from '@/features/chat';
import { uploadLimit } from '@/features/files/host-limit';
import { isAbort } from '@/lib/file-api';
import { MAX_ATTACHMENTS } from '@/lib/protocol';
import {
  cancelUpload,
  checkSize,
  forgetPending,
  hostOffset,
  loadPending,
  type PendingUpload,
  rememberPending,
  type UploadPhase,
  uploadErrorText,
  uploadFile,
} from '@/lib/upload';
import { sha256OfBlob } from '@/lib/sha256';
import { useCompose } from '@/stores/compose-store';
import { useOutbox } from '@/stores/outbox-store';
import { useSession } from '@/stores/session-store';

export type UploadItem = {
  key: string;
  roomId: number;
  name: string;
  size: number;
  phase: UploadPhase | 'failed';
  /** Bytes hashed (phase `hashing`) or held by the host (the others). */
  done: number;
  error?: string;
  /** The sent message (outbox client_id) this upload belongs to; unset while in the composer. */
  clientId?: string;
  /** An object URL of the picked image, for its thumbnail before sending. */
  thumb?: string;
};

type UploadsState = {
  items: UploadItem[];
  /** Unfinished uploads remembered from an earlier page of this identity. */
  pending: PendingUpload[];
  /** A refusal or failure to show above the composer, per room. */
  notices: Record<number, string>;

  /** Start uploading these files to the room (refusing any over the host's limit first). */
  start: (roomId: number, files: File[]) => Promise<void>;
  cancel: (key: string) => void;
  retry: (key: string) => void;
  dismiss: (key: string) => void;
  /**
   * A send while this room's uploads are running: they now belong to that message (it waits for
   * them in the outbox). Returns their keys.
   */
  claim: (roomId: number, clientId: string) => string[];
  clearNotice: (roomId: number) => void;
  /** Read the remembered unfinished uploads of the current identity. */
  loadPending: () => void;
  /** Resume a remembered upload with the file the user picked again. */
  resumePending: (uploadId: string, file: File) => Promise<void>;
  discardPending: (uploadId: string) => void;
};

// What cannot live in state: the File objects (for retry) and the running uploads' controls.
const files = new Map<string, File>();
const running = new Map<string, { abort: AbortController; uploadId?: string; sha256?: string }>();
let counter = 0;
// Thumbnails of finished uploads by file id (the composer's chip shows them before sending).
const thumbs = new Map<number, string>();

/** The thumbnail (object URL) of a file this page uploaded, if it is an image. */
export function thumbnailOf(fileId: number): string | undefined {
  return thumbs.get(fileId);
}

function imageThumb(file: File): string | undefined {
  if (!file.type.startsWith('image/') || typeof URL.createObjectURL !== 'function') return undefined;
  return URL.createObjectURL(file);
}

const scope = () => useChat.getState().scope;
const token = () => useSession.getState().token;

export const useUploads = create<UploadsState>((set, get) => {
  const patch = (key: string, change: Partial<UploadItem>) =>
    set({ items: get().items.map((it) => (it.key === key ? { ...it, ...change } : it)) });
  const drop = (key: string, keepThumb = false) => {
    const thumb = get().items.find((it) => it.key === key)?.thumb;
    if (thumb && !keepThumb) URL.revokeObjectURL(thumb);
    files.delete(key);
    running.delete(key);
    set({ items: get().items.filter((it) => it.key !== key) });
  };
  const notice = (roomId: number, text: string) => set({ notices: { ...get().notices, [roomId]: text } });

  const run = async (key: string, knownSha?: string) => {
    const item = get().items.find((it) => it.key === key);
    const file = files.get(key);
    if (!item || !file) return;
    const control = { abort: new AbortController(), sha256: knownSha } as {
      abort: AbortController;
      uploadId?: string;
      sha256?: string;
    };
    running.set(key, control);
    patch(key, { phase: knownSha ? 'uploading' : 'hashing', done: 0, error: undefined });
    try {
      const done = await uploadFile({
        file,
        name: item.name,
        roomId: item.roomId,
        token,
        scope: scope(),
        sha256: knownSha,
        signal: control.abort.signal,
        onStarted: (uploadId, sha256) => {
          control.uploadId = uploadId;
          control.sha256 = sha256;
          set({ pending: get().pending.filter((p) => p.upload_id !== uploadId) });
        },
        onProgress: (p) => patch(key, { phase: p.phase, done: p.done }),
      });
      const now = get().items.find((it) => it.key === key);
      if (now?.thumb) thumbs.set(done.id, now.thumb);
      drop(key, true);
      if (now?.clientId) {
        // Sent already: the message waits in the outbox; the last upload in lets it go.
        const entry = useOutbox.getState().uploaded(now.clientId, key, done);
        if (entry && !entry.waiting?.length) retryMessage(entry.client_id);
        return;
      }
      const held = useCompose.getState().attachments[item.roomId] ?? [];
      if (held.length >= MAX_ATTACHMENTS) {
        notice(item.roomId, `A message carries at most ${MAX_ATTACHMENTS} files: send these first, then attach ${item.name} again.`);
        return;
      }
      useCompose.getState().addAttachment(item.roomId, done);
    } catch (err) {
      if (isAbort(err)) return; // cancelled: cancel() already tidied up
      running.delete(key);
      const clientId = get().items.find((it) => it.key === key)?.clientId;
      patch(key, { phase: 'failed', error: uploadErrorText(err), clientId: undefined });
      if (clientId) giveBack(clientId);
    }
  };

  // An upload of a sent message failed: the message was never posted (it waited for its files),
  // so caption, reply and files go back to the composer, where the failed upload offers Retry.
  const giveBack = (clientId: string) => {
    const entry = useOutbox.getState().entries.find((e) => e.client_id === clientId);
    if (!entry) return;
    useOutbox.getState().remove(clientId);
    for (const it of get().items) if (it.clientId === clientId) patch(it.key, { clientId: undefined });
    const chat = useChat.getState();
    const draft = chat.drafts[entry.room_id] ?? '';
    chat.setDraft(entry.room_id, draft.trim() ? `${entry.text}\n${draft}` : entry.text);
    const compose = useCompose.getState();
    if (entry.reply_to && !compose.replyTo[entry.room_id]) compose.startReply(entry.room_id, entry.reply_to);
    for (const f of entry.attachments ?? []) compose.addAttachment(entry.room_id, f);
  };

  return {
    items: [],
    pending: [],
    notices: {},

    start: async (roomId, picked) => {
      if (picked.length === 0) return;
      get().clearNotice(roomId);
      const limit = await uploadLimit();
      const refused: string[] = [];
      // One message carries at most MAX_ATTACHMENTS files: count those ready and those on the way.
      const uploading = get().items.filter((it) => it.roomId === roomId && !it.clientId).length;
      const ready = (useCompose.getState().attachments[roomId] ?? []).length;
      const free = Math.max(0, MAX_ATTACHMENTS - uploading - ready);
      let accepted = picked;
      if (picked.length > free) {
        refused.push(`A message carries at most ${MAX_ATTACHMENTS} files; ${picked.length - free} of these were left out.`);
        accepted = picked.slice(0, free);
      }
      const added: UploadItem[] = [];
      for (const file of accepted) {
        const why = checkSize(file.size, limit);
        if (why) {
          refused.push(`${file.name}: ${why}`);
          continue;
        }
        const key = `u${++counter}`;
        files.set(key, file);
        const thumb = imageThumb(file);
        added.push({
          key,
          roomId,
          name: file.name || 'pasted file',
          size: file.size,
          phase: 'hashing',
          done: 0,
          ...(thumb ? { thumb } : {}),
        });
      }
      if (refused.length) notice(roomId, refused.join(' '));
      set({ items: [...get().items, ...added] });
      for (const item of added) void run(item.key);
    },

    cancel: (key) => {
      const control = running.get(key);
      control?.abort.abort();
      if (control?.uploadId) void cancelUpload(control.uploadId, token(), scope());
      drop(key);
    },

    retry: (key) => {
      const item = get().items.find((it) => it.key === key);
      if (!item || item.phase !== 'failed') return;
      void run(key);
    },

    dismiss: (key) => drop(key),

    claim: (roomId, clientId) => {
      const keys = runningIn(get().items, roomId);
      if (keys.length) set({ items: get().items.map((it) => (keys.includes(it.key) ? { ...it, clientId } : it)) });
      return keys;
    },

    clearNotice: (roomId) => {
      if (!(roomId in get().notices)) return;
      const notices = { ...get().notices };
      delete notices[roomId];
      set({ notices });
    },

    loadPending: () => {
      const s = scope();
      const active = new Set([...running.values()].map((c) => c.uploadId));
      const remembered = s ? loadPending(s).filter((p) => !active.has(p.upload_id)) : [];
      set({ pending: remembered });
      // Ask the host where each stands: it may hold more than we noted, or have dropped it.
      for (const p of remembered) {
        void hostOffset(p.upload_id, token()).then((offset) => {
          if (offset === undefined || !s) return;
          if (offset === null) {
            forgetPending(s, (x) => x.upload_id === p.upload_id);
            set({ pending: get().pending.filter((x) => x.upload_id !== p.upload_id) });
          } else if (offset !== p.offset) {
            const fresh = { ...p, offset };
            rememberPending(s, fresh);
            set({ pending: get().pending.map((x) => (x.upload_id === p.upload_id ? fresh : x)) });
          }
        });
      }
    },

    resumePending: async (uploadId, file) => {
      const p = get().pending.find((x) => x.upload_id === uploadId);
      if (!p) return;
      if (file.size !== p.size) {
        notice(p.room_id, `That is not the same file: ${p.name} was ${p.size.toLocaleString()} bytes, this one is ${file.size.toLocaleString()}.`);
        return;
      }
      get().clearNotice(p.room_id);
      // Hash first so a different file with the same size is refused before anything is sent.
      const key = `u${++counter}`;
      files.set(key, file);
      set({
        items: [...get().items, { key, roomId: p.room_id, name: p.name, size: p.size, phase: 'hashing', done: 0 }],
      });
      const control = { abort: new AbortController() };
      running.set(key, control);
      let sha: string;
      try {
        sha = await sha256OfBlob(file, (done) => patch(key, { done }), control.abort.signal);
      } catch {
        return; // cancelled
      }
      if (sha !== p.sha256) {
        drop(key);
        notice(p.room_id, `That is not the same file: its content differs from the unfinished ${p.name}.`);
        return;
      }
      set({ pending: get().pending.filter((x) => x.upload_id !== uploadId) });
      await run(key, sha);
    },

    discardPending: (uploadId) => {
      set({ pending: get().pending.filter((p) => p.upload_id !== uploadId) });
      const s = scope();
      if (s) forgetPending(s, (p) => p.upload_id === uploadId);
      void cancelUpload(uploadId, token(), s);
    },
  };
});

/** The composer's running (not failed, not yet sent) uploads in a room, by key. */
export function runningIn(items: UploadItem[], roomId: number): string[] {
  return items.filter((it) => it.roomId === roomId && !it.clientId && it.phase !== 'failed').map((it) => it.key);
}

/** For unit tests. */
export function _resetUploadsForTests(): void {
  for (const c of running.values()) c.abort.abort();
  running.clear();
  files.clear();
  useUploads.setState({ items: [], pending: [], notices: {} });
}
