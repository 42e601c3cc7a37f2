/**
 * Which step of joining failed, so the person is told something they can act on:
 * the host does not answer at all, the host refused the connection before looking at who we
 * are (address / origin not accepted: HTTP 421 / 400 on the handshake), or it refused us
 * (wrong code, name taken, bad token, rate limited: `err.data.code`).
 */
import type { WireError } from '@/lib/protocol';

export type ConnectFailure =
  | { step: 'unreachable'; origin: string }
  | { step: 'refused'; origin: string }
  | { step: 'auth'; code: string; message: string | undefined };

/**
 * Classify a Socket.IO `connect_error`.
 *
 * @param data the host's `{code, message}` when it refused the auth; undefined otherwise
 * @param hostAnswered whether a plain GET of `/api/info` got any HTTP answer after the error
 * @param origin the host's origin, for the sentence
 */
export function classifyConnectFailure(
  data: WireError | undefined,
  hostAnswered: boolean,
  origin: string,
): ConnectFailure {
  if (data && typeof data.code === 'string' && data.code) {
    return { step: 'auth', code: data.code, message: data.message };
  }
  // The websocket handshake failed without a Socket.IO answer. If plain HTTP reaches the host,
  // the host is up and it was the handshake that was turned away.
  return hostAnswered ? { step: 'refused', origin } : { step: 'unreachable', origin };
}

/** The sentence for a transport-level failure (auth refusals have theirs in session-store);
 * `host`: the host's current name when we know it. */
export function connectFailureText(failure: Exclude<ConnectFailure, { step: 'auth' }>, host = 'the host'): string {
  if (failure.step === 'unreachable') {
    return `Can't reach ${host} at ${failure.origin}: it may have stopped, or this address is not reachable from here.`;
  }
  return `${host === 'the host' ? 'The host' : host} refused this connection (address or origin not accepted).`;
}
