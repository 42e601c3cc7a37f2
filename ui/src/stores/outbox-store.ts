/**
 * Own messages the host has not acknowledged yet, persisted so they survive a reload.
 * Each carries its client_id; the host dedupes a resend, so flushing twice never posts twice.
 *
 * Shared, so it stays in stores/ rather than in one feature: features/chat fills and shows it,
 * features/files holds an entry until its uploads are in, and features/connection flushes it
 * after every welcome.
 */
import { create } from 'zustand';

import type { WireFile, WireQuote } from '@/lib/protocol';
import { loadJson, saveJson } from '@/lib/storage';

export type OutboxEntry = {
  client_id: string;
  room_id: number;
  text: string;
  created_at: string;
  state: 'sending' | 'failed';
  error?: string;
  /** The message replied to (sent as its id; kept whole to show the quote while pending). */
  reply_to?: WireQuote;
  /** Completed uploads to attach (sent as their ids). */
  attachments?: WireFile[];
  /**
   * Uploads (features/files keys) still running for this message: it is held until they finish,
   * so caption and files reach the host as one message and nobody sees a caption without its file.
   */
  waiting?: string[];
};
export type SendExtras = Pick<OutboxEntry, 'reply_to' | 'attachments' | 'waiting'>;

type OutboxState = {
  scope: string | null;
  entries: OutboxEntry[];
  load: (scope: string) => void;
  enqueue: (roomId: number, text: string, extras?: SendExtras, now?: Date) => OutboxEntry;
  mark: (clientId: string, state: OutboxEntry['state'], error?: string) => void;
  remove: (clientId: string) => void;
  /** An upload the message waited for finished: it joins the attachments. */
  uploaded: (clientId: string, key: string, file: WireFile) => OutboxEntry | undefined;
};

function newClientId(): string {
  // crypto.randomUUID needs a secure context; LAN peers load the page over plain http.
  if (typeof crypto !== 'undefined' && 'randomUUID' in crypto && window.isSecureContext) {
    return crypto.randomUUID();
  }
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export const useOutbox = create<OutboxState>((set, get) => {
  const save = (entries: OutboxEntry[]) => {
    const scope = get().scope;
    if (scope) saveJson(`outbox:${scope}`, entries);
  };
  return {
    scope: null,
    entries: [],
    load: (scope) => {
      if (get().scope === scope) return;
      // A message still waiting for an upload when the page went away lost that upload (the
      // File lived in the old page): it shows as failed rather than sending a caption alone.
      const entries = loadJson<OutboxEntry[]>(`outbox:${scope}`, []).map((e) =>
        e.waiting?.length
          ? { ...e, waiting: undefined, state: 'failed' as const, error: 'its file did not finish uploading; attach it again' }
          : e,
      );
      set({ scope, entries });
    },
    enqueue: (roomId, text, extras = {}, now = new Date()) => {
      const entry: OutboxEntry = {
        client_id: newClientId(),
        room_id: roomId,
        text,
        created_at: now.toISOString(),
        state: 'sending',
        ...(extras.reply_to ? { reply_to: extras.reply_to } : {}),
        ...(extras.attachments?.length ? { attachments: extras.attachments } : {}),
        ...(extras.waiting?.length ? { waiting: extras.waiting } : {}),
      };
      const entries = [...get().entries, entry];
      save(entries);
      set({ entries });
      return entry;
    },
    mark: (clientId, state, error) => {
      const entries = get().entries.map((e) => (e.client_id === clientId ? { ...e, state, error } : e));
      save(entries);
      set({ entries });
    },
    uploaded: (clientId, key, file) => {
      let out: OutboxEntry | undefined;
      const entries = get().entries.map((e) => {
        if (e.client_id !== clientId) return e;
        const waiting = (e.waiting ?? []).filter((k) => k !== key);
        out = { ...e, attachments: [...(e.attachments ?? []), file], waiting: waiting.length ? waiting : undefined };
        return out;
      });
      save(entries);
      set({ entries });
      return out;
    },
    remove: (clientId) => {
      if (!get().entries.some((e) => e.client_id === clientId)) return;
      const entries = get().entries.filter((e) => e.client_id !== clientId);
      save(entries);
      set({ entries });
    },
  };
});
