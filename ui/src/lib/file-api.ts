/**
 * HTTP calls for uploads and downloads (docs/protocol.md, "Files"). Every request carries the
 * device token as `Authorization: Bearer`; the host answers errors as `{ok: false, error}`.
 *
 * Chunk PUTs go through XMLHttpRequest because fetch has no upload progress; downloads read the
 * response stream so the bar moves while bytes arrive.
 */
import { env } from '@/config/env';
import type { WireError } from '@/lib/protocol';

/** The host answered with an error status (`status`), or could not be reached (`status` 0). */
export class FileHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly data?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'FileHttpError';
  }

  /** No answer at all (host down, network gone): worth retrying. */
  get unreachable(): boolean {
    return this.status === 0 || this.status === 502 || this.status === 503 || this.status === 504;
  }
}

export function isAbort(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'AbortError';
}

export function apiUrl(path: string): string {
  return new URL(path, env.SERVER_URL ?? document.baseURI).href;
}

function authHeaders(token: string | null, extra: Record<string, string> = {}): Record<string, string> {
  return token ? { ...extra, Authorization: `Bearer ${token}` } : extra;
}

const STATUS_TEXT: Record<number, string> = {
  401: 'This device is not signed in to the host any more.',
  404: 'The host does not have that (or you may not see it).',
  413: 'That file is larger than the host accepts.',
};

/** Turn an error answer into a FileHttpError carrying the host's own sentence when it sent one. */
async function errorFrom(response: Response): Promise<FileHttpError> {
  let error: WireError | undefined;
  try {
    error = ((await response.json()) as { error?: WireError }).error;
  } catch {
    // not JSON: fall back to a sentence by status
  }
  const message = error?.message ?? STATUS_TEXT[response.status] ?? `The host answered ${response.status}.`;
  return new FileHttpError(response.status, error?.code ?? 'http', message, error?.data);
}

function unreachable(): FileHttpError {
  return new FileHttpError(0, 'offline', 'The host could not be reached.');
}

/** JSON request with the bearer token; resolves the parsed body, throws FileHttpError / AbortError. */
export async function jsonRequest<T>(
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  token: string | null,
  body?: unknown,
  signal?: AbortSignal,
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(apiUrl(path), {
      method,
      cache: 'no-store',
      credentials: 'omit',
      headers: authHeaders(token, body === undefined ? {} : { 'Content-Type': 'application/json' }),
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (err) {
    if (isAbort(err)) throw err;
    throw unreachable();
  }
  if (!response.ok) throw await errorFrom(response);
  if (response.status === 204) return {} as T;
  try {
    return (await response.json()) as T;
  } catch {
    throw new FileHttpError(response.status, 'invalid', 'The host sent something that is not JSON.');
  }
}

/** PUT one chunk at `offset`; `onSent(bytes of this chunk sent so far)` as the body goes out. */
export function putChunk<T>(
  path: string,
  token: string | null,
  offset: number,
  chunk: Blob,
  onSent: (sent: number) => void,
  signal?: AbortSignal,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new DOMException('Upload cancelled', 'AbortError'));
      return;
    }
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', apiUrl(path));
    for (const [k, v] of Object.entries(authHeaders(token, { 'Upload-Offset': String(offset) }))) {
      xhr.setRequestHeader(k, v);
    }
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    xhr.responseType = 'text';
    const onAbort = () => xhr.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const done = () => signal?.removeEventListener('abort', onAbort);
    xhr.upload.onprogress = (e) => onSent(e.loaded);
    xhr.onerror = () => {
      done();
      reject(unreachable());
    };
    xhr.onabort = () => {
      done();
      reject(new DOMException('Upload cancelled', 'AbortError'));
    };
    xhr.onload = () => {
      done();
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText || '{}');
      } catch {
        body = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300 && body) {
        resolve(body as T);
        return;
      }
      const error = (body as { error?: WireError } | undefined)?.error;
      reject(
        new FileHttpError(
          xhr.status,
          error?.code ?? 'http',
          error?.message ?? STATUS_TEXT[xhr.status] ?? `The host answered ${xhr.status}.`,
          error?.data,
        ),
      );
    };
    xhr.send(chunk);
  });
}

/**
 * GET a file's bytes with the bearer token, reporting `(received, total)` as they arrive.
 * `total` comes from Content-Length (0 when the host did not say).
 */
export async function downloadBlob(
  path: string,
  token: string | null,
  onProgress: (received: number, total: number) => void,
  signal?: AbortSignal,
): Promise<Blob> {
  let response: Response;
  try {
    response = await fetch(apiUrl(path), { cache: 'no-store', credentials: 'omit', headers: authHeaders(token), signal });
  } catch (err) {
    if (isAbort(err)) throw err;
    throw unreachable();
  }
  if (!response.ok) throw await errorFrom(response);
  const total = Number(response.headers.get('Content-Length') ?? 0) || 0;
  const type = response.headers.get('Content-Type') ?? 'application/octet-stream';
  if (!response.body) {
    const blob = await response.blob();
    onProgress(blob.size, total || blob.size);
    return blob;
  }
  const reader = response.body.getReader();
  const parts: Uint8Array<ArrayBuffer>[] = [];
  let received = 0;
  onProgress(0, total);
  try {
    for (;;) {
      const { done, value } = await reader.read(); // ends with the body: bounded by its length
      if (done) break;
      parts.push(value);
      received += value.length;
      onProgress(received, total);
    }
  } catch (err) {
    if (isAbort(err)) throw err;
    throw unreachable();
  }
  return new Blob(parts, { type: type.split(';')[0]!.trim() });
}
