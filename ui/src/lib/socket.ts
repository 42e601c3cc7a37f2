/**
 * The one Socket.IO connection of the page, and the only importer of socket.io-client.
 * Everything else talks to the host through `request()`, `onEvent()` and `onConnection()`;
 * unit tests replace this module with src/testing/fake-socket.ts.
 */
import { io } from 'socket.io-client';

import { env } from '@/config/env';
import type { Ack, AuthPayload, Command, ServerEvent, WireError } from '@/lib/protocol';
import { RequestError } from '@/lib/request-error';

// An ack that has not come back after this long is treated as lost: the caller keeps the
// message in the outbox and the host dedupes the retry by client_id.
const ACK_TIMEOUT_MS = 10_000;

let authProvider: () => AuthPayload | null = () => null;

// undefined → same origin: the host that served this page is the one we talk to.
const socket = io(env.SERVER_URL, {
  autoConnect: false, // app/provider.tsx connects once it knows how to authenticate
  transports: ['websocket'],
  // Read on every (re)connect, so a token stored from `welcome` is used from then on.
  auth: (cb) => cb(authProvider() ?? {}),
  // Jittered exponential backoff: 500 ms doubling to 3 s, each delay ±50 % at random, so a
  // crowd that lost its host in the same second (a restart) comes back spread out, not at once.
  reconnectionDelay: 500,
  reconnectionDelayMax: 3000,
  randomizationFactor: 0.5,
});

export { RequestError };

/** Emit a command and resolve with its ack, or throw RequestError (code `offline` / `timeout` too). */
export async function request<T extends object>(
  command: Command,
  payload: object,
  timeoutMs: number = ACK_TIMEOUT_MS,
): Promise<T> {
  // socket.io-client buffers emits while disconnected and replays them on reconnect; we never
  // want that (the outbox owns retries), so refuse instead.
  if (!socket.connected) throw new RequestError('offline', 'Not connected to the host.');
  let ack: Ack<T>;
  try {
    ack = (await socket.timeout(timeoutMs).emitWithAck(command, payload)) as Ack<T>;
  } catch {
    throw new RequestError('timeout', 'The host did not answer in time.');
  }
  if (!ack.ok) throw new RequestError(ack.error.code, ack.error.message, ack.error.data);
  return ack;
}

/** Subscribe to a server event; returns the unsubscribe function. */
export function onEvent<T>(event: ServerEvent, fn: (payload: T) => void): () => void {
  const handler = (payload: T) => fn(payload);
  socket.on(event, handler);
  return () => {
    socket.off(event, handler);
  };
}

export type ConnectionHandlers = {
  connect?: () => void;
  disconnect?: (reason: string) => void;
  /** `data` is the host's `{code, message}` for a refused connect, undefined for network errors. */
  connectError?: (data: WireError | undefined) => void;
  reconnectAttempt?: (attempt: number) => void;
};

/** Subscribe to the connection lifecycle; returns the unsubscribe function. */
export function onConnection(handlers: ConnectionHandlers): () => void {
  const onConnect = () => handlers.connect?.();
  const onDisconnect = (reason: string) => handlers.disconnect?.(reason);
  const onError = (err: Error & { data?: WireError }) => handlers.connectError?.(err.data);
  const onAttempt = (n: number) => handlers.reconnectAttempt?.(n);
  socket.on('connect', onConnect);
  socket.on('disconnect', onDisconnect);
  socket.on('connect_error', onError);
  socket.io.on('reconnect_attempt', onAttempt);
  return () => {
    socket.off('connect', onConnect);
    socket.off('disconnect', onDisconnect);
    socket.off('connect_error', onError);
    socket.io.off('reconnect_attempt', onAttempt);
  };
}

/** Connect (or reconnect after a refusal) with whatever `auth()` returns at that moment. */
export function connect(auth: () => AuthPayload | null): void {
  authProvider = auth;
  if (!socket.connected) socket.connect();
}

export function disconnect(): void {
  socket.disconnect();
}

export function isConnected(): boolean {
  return socket.connected;
}
