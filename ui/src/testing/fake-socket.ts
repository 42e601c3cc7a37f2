/**
 * Stand-in for src/lib/socket.ts in unit tests: same exports, no network.
 * `vi.mock('@/lib/socket', () => import('@/testing/fake-socket'))`, then drive it with `fake`.
 */
import type { AuthPayload, Command, ServerEvent, WireError } from '@/lib/protocol';
import type { ConnectionHandlers } from '@/lib/socket';

import { RequestError } from '@/lib/request-error';

export { RequestError };

type Handler = (payload: never) => object | Promise<object>;

class FakeSocket {
  connected = false;
  auth: (() => AuthPayload | null) | null = null;
  /** What every handshake (open or refuse) carried, in order. */
  handshakes: (AuthPayload | null)[] = [];
  /** Every command emitted, in order. */
  sent: { command: Command; payload: Record<string, unknown> }[] = [];
  /** Answers per command; return the ack body (without ok) or throw a RequestError. */
  handlers = new Map<Command, Handler>();
  private listeners = new Map<string, Set<(payload: unknown) => void>>();
  private lifecycle = new Set<ConnectionHandlers>();

  reset(): void {
    this.connected = false;
    this.auth = null;
    this.handshakes = [];
    this.sent = [];
    this.handlers.clear();
    this.listeners.clear();
    this.lifecycle.clear();
  }

  handle<T extends object>(command: Command, fn: (payload: never) => T | Promise<T>): void {
    this.handlers.set(command, fn);
  }

  /** Deliver a server event to the subscribers. */
  serverEmit(event: ServerEvent, payload: unknown): void {
    for (const fn of this.listeners.get(event) ?? []) fn(payload);
  }

  /** The handshake succeeded (the real socket reads `auth` on every attempt). */
  open(): void {
    this.handshake();
    this.connected = true;
    for (const h of this.lifecycle) h.connect?.();
  }

  drop(reason = 'transport close'): void {
    this.connected = false;
    for (const h of this.lifecycle) h.disconnect?.(reason);
  }

  /** A handshake was refused (`data` from the host) or failed below the auth step (undefined). */
  refuse(data: WireError | undefined): void {
    this.handshake();
    this.connected = false;
    for (const h of this.lifecycle) h.connectError?.(data);
  }

  private handshake(): void {
    if (this.auth) this.handshakes.push(this.auth());
  }

  subscribe(event: string, fn: (payload: unknown) => void): () => void {
    const set = this.listeners.get(event) ?? new Set();
    set.add(fn);
    this.listeners.set(event, set);
    return () => set.delete(fn);
  }

  addLifecycle(h: ConnectionHandlers): () => void {
    this.lifecycle.add(h);
    return () => this.lifecycle.delete(h);
  }
}

export const fake = new FakeSocket();

export async function request<T extends object>(command: Command, payload: object): Promise<T> {
  if (!fake.connected) throw new RequestError('offline', 'Not connected to the host.');
  fake.sent.push({ command, payload: payload as Record<string, unknown> });
  const handler = fake.handlers.get(command);
  if (!handler) throw new RequestError('timeout', `no fake handler for ${command}`);
  const result = await handler(payload as never);
  return { ok: true, ...result } as T;
}

export function onEvent<T>(event: ServerEvent, fn: (payload: T) => void): () => void {
  return fake.subscribe(event, fn as (p: unknown) => void);
}

export function onConnection(handlers: ConnectionHandlers): () => void {
  return fake.addLifecycle(handlers);
}

export function connect(auth: () => AuthPayload | null): void {
  fake.auth = auth;
}

export function disconnect(): void {
  fake.drop('io client disconnect');
}

export function isConnected(): boolean {
  return fake.connected;
}
