/**
 * Whether the start screen ("join another host / back to my chat") is up. The desktop menu opens
 * the host's page at `#join`; the window can also open on `#owner=KEY&join`. The flag is read when
 * this module loads, before app/provider.tsx takes (and clears) the owner fragment, and again on
 * every later `hashchange` (the menu while the page is open).
 */
import { useSyncExternalStore } from 'react';

function wantsStart(hash: string): boolean {
  return new URLSearchParams(hash.replace(/^#/, '')).has('join');
}

let showing = typeof window !== 'undefined' && wantsStart(window.location.hash);
const listeners = new Set<() => void>();

function set(next: boolean): void {
  if (next === showing) return;
  showing = next;
  for (const fn of listeners) fn();
}

function subscribe(fn: () => void): () => void {
  listeners.add(fn);
  const onHash = () => {
    if (wantsStart(window.location.hash)) set(true);
  };
  window.addEventListener('hashchange', onHash);
  return () => {
    listeners.delete(fn);
    window.removeEventListener('hashchange', onHash);
  };
}

export function useStartScreen(): boolean {
  return useSyncExternalStore(subscribe, () => showing);
}

/** Back to this host's own chat: drop `#join` so a reload stays in the chat. */
export function leaveStartScreen(): void {
  if (wantsStart(window.location.hash)) {
    window.history.replaceState(window.history.state, '', window.location.pathname + window.location.search);
  }
  set(false);
}

/** For unit tests: re-read the address as if the page had just loaded. */
export function _rereadStartScreenForTests(): void {
  set(wantsStart(window.location.hash));
}
