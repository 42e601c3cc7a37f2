/**
 * Resumable uploads (docs/protocol.md, "Files"): hash the file, ask the host for an upload (it
 * hands back an unfinished one with its offset), then PUT the rest chunk by chunk. A dropped
 * connection or a host restart is waited out and the upload continues from the host's offset;
 * the host checks the SHA-256 on the last chunk.
 *
 * Plain functions of (file, room, token): no React, no stores. The uploads store drives it.
 */
import { FileHttpError, isAbort, jsonRequest, putChunk } from '@/lib/file-api';
import {
  HTTP,
  type UploadChunkResult,
  type UploadStarted,
  type UploadStatus,
  type WireFile,
  uploadPath,
} from '@/lib/protocol';
import { sha256OfBlob } from '@/lib/sha256';
import { loadJson, saveJson } from '@/lib/storage';

// We send at most this much per PUT even when the host allows more: a chunk lost to a dropped
// connection is resent whole, and 2 MiB keeps that cheap on Wi-Fi while 50 requests per 100 MB
// stay far from mattering. XHR upload events give a smooth bar within each chunk.
export const CLIENT_CHUNK = 2 * 1024 * 1024;
// Waiting for a host that went away: back-off steps, and how many tries before giving up
// (about ten minutes in all; the user can press Retry after that).
const RETRY_DELAYS_MS = [500, 1000, 2000, 3000, 5000];
export const MAX_RETRIES = 120;

export type UploadPhase = 'hashing' | 'uploading' | 'waiting';
export type UploadProgress = { phase: UploadPhase; done: number; total: number };

/** One unfinished upload as remembered across reloads (the File itself cannot be kept). */
export type PendingUpload = {
  upload_id: string;
  room_id: number;
  name: string;
  size: number;
  sha256: string;
  offset: number;
  updated_at: string;
};

export class UploadError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'UploadError';
  }
}

/**
 * The byte range of the next PUT. At `offset == size` it is empty: every byte arrived but the
 * answer to the last one was lost (a host restart), and an empty PUT there finishes the upload.
 * Null when the host claims more than the file has.
 */
export function nextChunk(offset: number, size: number, hostChunk: number): { start: number; end: number } | null {
  if (offset > size) return null;
  const step = Math.max(1, Math.min(hostChunk > 0 ? hostChunk : CLIENT_CHUNK, CLIENT_CHUNK));
  return { start: offset, end: Math.min(size, offset + step) };
}

export function retryDelay(attempt: number): number {
  return RETRY_DELAYS_MS[Math.min(attempt, RETRY_DELAYS_MS.length) - 1] ?? RETRY_DELAYS_MS[0]!;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v >= 100 ? Math.round(v) : v.toFixed(1)} ${units[u]}`;
}

/** Refuse before any byte moves: an empty file, or one over the host's limit. */
export function checkSize(size: number, limit: number): string | null {
  if (size === 0) return 'That file is empty.';
  if (size > limit) {
    return `That file is ${formatBytes(size)}; this host accepts files up to ${formatBytes(limit)}.`;
  }
  return null;
}

/** A sentence for an upload that stopped, by the host's answer. */
export function uploadErrorText(err: unknown): string {
  if (err instanceof UploadError) return err.message;
  if (err instanceof FileHttpError) {
    if (err.status === 422) return 'The file arrived damaged or changed while uploading (SHA-256 mismatch). Try again.';
    if (err.status === 413 && typeof err.data?.limit === 'number') {
      return `That file is larger than this host accepts (${formatBytes(err.data.limit)}).`;
    }
    return err.message;
  }
  return 'The upload failed.';
}

// ---- Pending uploads, kept per host identity in localStorage ----

const pendingKey = (scope: string) => `uploads:${scope}`;

export function loadPending(scope: string): PendingUpload[] {
  const list = loadJson<PendingUpload[]>(pendingKey(scope), []);
  return Array.isArray(list) ? list.filter((p) => p && typeof p.upload_id === 'string') : [];
}

export function rememberPending(scope: string, entry: PendingUpload): void {
  const others = loadPending(scope).filter((p) => p.upload_id !== entry.upload_id && !sameContent(p, entry));
  saveJson(pendingKey(scope), [...others, entry]);
}

export function forgetPending(scope: string, match: (p: PendingUpload) => boolean): void {
  const list = loadPending(scope);
  const kept = list.filter((p) => !match(p));
  if (kept.length !== list.length) saveJson(pendingKey(scope), kept);
}

export function sameContent(a: Pick<PendingUpload, 'room_id' | 'size' | 'sha256'>, b: Pick<PendingUpload, 'room_id' | 'size' | 'sha256'>): boolean {
  return a.room_id === b.room_id && a.size === b.size && a.sha256 === b.sha256;
}

// ---- The engine ----

export type UploadOptions = {
  file: Blob;
  name: string;
  roomId: number;
  /** Read on every request: the session may get a fresh token while we wait for the host. */
  token: () => string | null;
  /** Where pending uploads are remembered (`hostId:userId`); null: not remembered. */
  scope: string | null;
  onProgress: (p: UploadProgress) => void;
  signal: AbortSignal;
  /** Known from an earlier pass (a retry): skips hashing again. */
  sha256?: string;
  /** Told once the host has given the upload an id (for cancel → DELETE). */
  onStarted?: (uploadId: string, sha256: string) => void;
};

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(new DOMException('Upload cancelled', 'AbortError'));
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new DOMException('Upload cancelled', 'AbortError'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Upload `file` to `roomId`; resolves the finished File. Throws UploadError, FileHttpError, AbortError. */
export async function uploadFile(opts: UploadOptions): Promise<WireFile> {
  const { file, name, roomId, token, scope, onProgress, signal } = opts;
  const size = file.size;
  const sha256 =
    opts.sha256 ??
    (await sha256OfBlob(file, (done) => onProgress({ phase: 'hashing', done, total: size }), signal));

  let failures = 0;
  // Ask for the upload; the same (user, room, size, sha256) gets the unfinished one back.
  const begin = async (): Promise<UploadStarted> => {
    for (;;) {
      try {
        return await jsonRequest<UploadStarted>('POST', HTTP.uploads, token(), { room_id: roomId, name, size, sha256 }, signal);
      } catch (err) {
        await waitOrThrow(err);
      }
    }
  };
  const waitOrThrow = async (err: unknown): Promise<void> => {
    if (isAbort(err) || !(err instanceof FileHttpError) || !err.unreachable) throw err;
    failures++;
    if (failures > MAX_RETRIES) throw new UploadError('offline', 'The host has been unreachable for a long time; the upload stopped.');
    onProgress({ phase: 'waiting', done: offset, total: size });
    await sleep(retryDelay(failures), signal);
  };

  let offset = 0;
  let started = await begin();
  offset = started.offset;
  opts.onStarted?.(started.upload_id, sha256);
  const remember = () => {
    if (scope) {
      rememberPending(scope, {
        upload_id: started.upload_id,
        room_id: roomId,
        name,
        size,
        sha256,
        offset,
        updated_at: new Date().toISOString(),
      });
    }
  };
  remember();
  onProgress({ phase: 'uploading', done: offset, total: size });

  // Each pass sends one chunk or recovers from one failure; failures are capped by MAX_RETRIES
  // and chunks by size / chunk, so the loop ends.
  for (;;) {
    const range = nextChunk(offset, size, started.chunk_size);
    if (!range) throw new UploadError('invalid', 'The host holds more bytes than this file has.');
    try {
      const r = await putChunk<UploadChunkResult>(
        uploadPath(started.upload_id),
        token(),
        range.start,
        file.slice(range.start, range.end),
        (sent) => onProgress({ phase: 'uploading', done: range.start + sent, total: size }),
        signal,
      );
      failures = 0;
      if (r.file) {
        if (scope) forgetPending(scope, (p) => p.upload_id === started.upload_id);
        onProgress({ phase: 'uploading', done: size, total: size });
        return r.file;
      }
      if (typeof r.offset !== 'number' || r.offset <= offset) throw new UploadError('invalid', 'The host did not take the chunk.');
      offset = r.offset;
      remember();
      onProgress({ phase: 'uploading', done: offset, total: size });
    } catch (err) {
      if (err instanceof FileHttpError && err.status === 409 && typeof err.data?.offset === 'number') {
        offset = err.data.offset; // the host stands elsewhere (a chunk landed but its answer was lost)
        continue;
      }
      if (err instanceof FileHttpError && err.status === 422 && scope) {
        forgetPending(scope, (p) => p.upload_id === started.upload_id); // discarded by the host
      }
      await waitOrThrow(err);
      // Back: ask again, which also covers a host that restarted or lost the partial upload.
      started = await begin();
      offset = started.offset;
      if (started.upload_id) opts.onStarted?.(started.upload_id, sha256);
    }
  }
}

/**
 * Where a remembered upload stands on the host now: its offset, or null when the host no longer
 * has it (finished, cancelled elsewhere, or dropped as stale). Undefined when the host cannot say.
 */
export async function hostOffset(uploadId: string, token: string | null): Promise<number | null | undefined> {
  try {
    const r = await jsonRequest<UploadStatus>('GET', uploadPath(uploadId), token);
    return typeof r.offset === 'number' ? r.offset : undefined;
  } catch (err) {
    if (err instanceof FileHttpError && (err.status === 404 || err.status === 410)) return null;
    return undefined; // unreachable or refused: keep what we remember
  }
}

/** Cancel on the host (best effort: an unreachable host just keeps the partial bytes). */
export async function cancelUpload(uploadId: string, token: string | null, scope: string | null): Promise<void> {
  if (scope) forgetPending(scope, (p) => p.upload_id === uploadId);
  try {
    await jsonRequest('DELETE', uploadPath(uploadId), token);
  } catch {
    // the pending list no longer offers it; the host keeps only bytes, never a message
  }
}
