/**
 * Plain HTTP to the host that serves this page (`/api/*`). Same origin only: other hosts'
 * URLs are shown as links, never fetched.
 */
import { env } from '@/config/env';

// A host on a network that went away can leave a request hanging for minutes; the answer
// "does it answer at all" is wanted within a few seconds.
const PROBE_TIMEOUT_MS = 4000;

/** The host could not be reached at all (no HTTP answer), or answered with an error status. */
export class HttpError extends Error {
  constructor(
    readonly reachable: boolean,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** fetch with a deadline (AbortSignal.timeout is missing from older WebKitGTK builds). */
async function fetchWithin(url: string, timeoutMs: number): Promise<Response> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    return await fetch(url, { cache: 'no-store', credentials: 'omit', signal: controller.signal });
  } finally {
    clearTimeout(timer);
  }
}

function resolve(path: string): string {
  return new URL(path, env.SERVER_URL ?? document.baseURI).href;
}

/** The origin the UI talks to, as people type it (`http://192.168.1.5:7275`). */
export function hostOrigin(): string {
  return new URL(env.SERVER_URL ?? window.location.href).origin;
}

/** GET a JSON document from the host; throws HttpError. */
export async function getJson<T>(path: string, timeoutMs = 15_000): Promise<T> {
  let response: Response;
  try {
    response = await fetchWithin(resolve(path), timeoutMs);
  } catch {
    throw new HttpError(false, 'The host did not answer.');
  }
  if (!response.ok) throw new HttpError(true, `The host answered ${response.status}.`, response.status);
  try {
    return (await response.json()) as T;
  } catch {
    throw new HttpError(true, 'The host sent something that is not JSON.', response.status);
  }
}

/** True when the host gives any HTTP answer to `path` (even an error status): it is up and reachable. */
export async function hostAnswers(path: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<boolean> {
  try {
    await fetchWithin(resolve(path), timeoutMs);
    return true;
  } catch {
    return false;
  }
}
