/**
 * Uploads in progress (per room), uploads left unfinished by an earlier page (to resume by
 * picking the same file again), and refusals to show. A finished upload joins the composer's
 * attachments (stores/compose-store.ts); the next send carries it through the outbox.
 */
import { create } from 'zustand';

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
import { useChat } from '@/stores/chat-store';
import { useCompose } from '@/stores/compose-store';
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

const scope = () => useChat.getState().scope;
const token = () => useSession.getState().token;

export const useUploads = create<UploadsState>((set, get) => {
  const patch = (key: string, change: Partial<UploadItem>) =>
    set({ items: get().items.map((it) => (it.key === key ? { ...it, ...change } : it)) });
  const drop = (key: string) => {
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
      drop(key);
      const held = useCompose.getState().attachments[item.roomId] ?? [];
      if (held.length >= MAX_ATTACHMENTS) {
        notice(item.roomId, `A message carries at most ${MAX_ATTACHMENTS} files: send these first, then attach ${item.name} again.`);
        return;
      }
      useCompose.getState().addAttachment(item.roomId, done);
    } catch (err) {
      if (isAbort(err)) return; // cancelled: cancel() already tidied up
      running.delete(key);
      patch(key, { phase: 'failed', error: uploadErrorText(err) });
    }
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
      const uploading = get().items.filter((it) => it.roomId === roomId).length;
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
        added.push({ key, roomId, name: file.name || 'pasted file', size: file.size, phase: 'hashing', done: 0 });
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

/** For unit tests. */
export function _resetUploadsForTests(): void {
  for (const c of running.values()) c.abort.abort();
  running.clear();
  files.clear();
  useUploads.setState({ items: [], pending: [], notices: {} });
}
