/**
 * Image bytes fetched once per file id and shown through object URLs (the CSP allows
 * `img-src blob:`; a plain <img src=/api/files/…> could not send the bearer token).
 * The virtual message list mounts and unmounts rows as you scroll, so the cache outlives them;
 * it is bounded by bytes and drops the oldest entries first.
 */
import { downloadBlob, FileHttpError } from '@/lib/file-api';
import { filePath } from '@/lib/protocol';
import { useSession } from '@/stores/session-store';

export type BlobState =
  | { status: 'loading'; received: number; total: number }
  | { status: 'ready'; url: string; size: number }
  | { status: 'error'; message: string };

// Decoded previews stay in memory anyway; beyond this many bytes of cached originals, the
// oldest go (a row scrolled back into view fetches its image again).
const CACHE_BYTES = 192 * 1024 * 1024;

type Entry = { state: BlobState; listeners: Set<() => void>; started: boolean };
const entries = new Map<number, Entry>();
let cachedBytes = 0;

function entry(fileId: number): Entry {
  let e = entries.get(fileId);
  if (!e) {
    e = { state: { status: 'loading', received: 0, total: 0 }, listeners: new Set(), started: false };
    entries.set(fileId, e);
  }
  return e;
}

function update(fileId: number, state: BlobState): void {
  const e = entries.get(fileId);
  if (!e) return; // evicted meanwhile
  e.state = state;
  for (const fn of e.listeners) fn();
}

function evict(): void {
  for (const [id, e] of entries) {
    if (cachedBytes <= CACHE_BYTES) return;
    if (e.state.status !== 'ready' || e.listeners.size > 0) continue; // shown now: keep
    URL.revokeObjectURL(e.state.url);
    cachedBytes -= e.state.size;
    entries.delete(id);
  }
}

/** Start fetching (once) and return the current state. */
export function loadImage(fileId: number): BlobState {
  const e = entry(fileId);
  if (e.started) return e.state;
  e.started = true;
  downloadBlob(filePath(fileId), useSession.getState().token, (received, total) =>
    update(fileId, { status: 'loading', received, total }),
  )
    .then((blob) => {
      if (entries.get(fileId) !== e) return;
      const url = URL.createObjectURL(blob);
      cachedBytes += blob.size;
      update(fileId, { status: 'ready', url, size: blob.size });
      evict();
    })
    .catch((err: unknown) => {
      const message = err instanceof FileHttpError ? err.message : 'The image could not be loaded.';
      update(fileId, { status: 'error', message });
    });
  return e.state;
}

const NOT_STARTED: BlobState = { status: 'loading', received: 0, total: 0 };

/** The current state; the same object until it changes (useSyncExternalStore needs that). */
export function imageState(fileId: number): BlobState {
  return entries.get(fileId)?.state ?? NOT_STARTED;
}

export function subscribeImage(fileId: number, fn: () => void): () => void {
  const e = entry(fileId);
  e.listeners.add(fn);
  return () => {
    e.listeners.delete(fn);
    evict(); // it may have been kept only because it was on screen
  };
}

/** Fetch a failed image again (the host may be back). */
export function retryImage(fileId: number): void {
  const e = entries.get(fileId);
  if (e?.state.status !== 'error') return;
  e.started = false;
  update(fileId, { status: 'loading', received: 0, total: 0 });
  loadImage(fileId);
}
