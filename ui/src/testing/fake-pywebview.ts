/** A stand-in for the desktop window's `window.pywebview.api` (desktop/bridge.py), recording calls. */
import { vi } from 'vitest';

import type { DesktopApi, JoinResult } from '@/features/desktop';

export type FakeApi = { [K in keyof DesktopApi]: ReturnType<typeof vi.fn> };

export function fakeApi(overrides: Partial<Record<keyof DesktopApi, (...args: never[]) => unknown>> = {}): FakeApi {
  const api: FakeApi = {
    notify: vi.fn(async () => true),
    set_unread: vi.fn(async () => null),
    open_external: vi.fn(async () => true),
    // `open` stays on this document (a fragment), the one navigation jsdom carries out.
    join_host: vi.fn(
      async (): Promise<JoinResult> => ({ ok: true, url: 'http://10.0.0.2:7275/', open: `${location.href.split('#')[0]}#joined`, attempts: [] }),
    ),
    desktop_info: vi.fn(async () => ({ version: '0.1.0', platform: 'linux', notifications: 'dbus' })),
  };
  for (const [name, impl] of Object.entries(overrides)) api[name as keyof DesktopApi] = vi.fn(impl as never);
  return api;
}

/** Inject like pywebview does: set the api, then fire `pywebviewready`. */
export function installPywebview(api: FakeApi): void {
  window.pywebview = { api: api as unknown as DesktopApi };
  window.dispatchEvent(new Event('pywebviewready'));
}

export function removePywebview(): void {
  delete window.pywebview;
}
