/**
 * The browser's Notification API, for guests on a browser (the desktop window has its own, native
 * notifications: features/desktop). Browsers offer it only on a secure context: https, or this
 * computer's own loopback address; a LAN guest on plain http gets an explanation instead
 * (notify-dialog.tsx). Permission is asked only when the person clicks "Allow", never on load.
 */

/** What this browser can do: `insecure` (plain http on the LAN), `unsupported` (no API), or the
 * Notification permission. */
export type BrowserSupport = 'insecure' | 'unsupported' | NotificationPermission;

export function browserSupport(): BrowserSupport {
  if (!window.isSecureContext) return 'insecure';
  if (typeof window.Notification !== 'function') return 'unsupported';
  return window.Notification.permission;
}

/** Ask for the permission (call from a click: browsers ignore or penalise other requests). */
export async function askPermission(): Promise<BrowserSupport> {
  const support = browserSupport();
  if (support !== 'default') return support;
  try {
    return await window.Notification.requestPermission();
  } catch {
    return browserSupport();
  }
}

/** Show a notification if the person allowed them; its click focuses the window and calls
 * `onClick`. A new one about the same room replaces the last (its tag). */
export function showBrowserNotification(title: string, body: string, roomId: number, onClick: () => void): boolean {
  if (browserSupport() !== 'granted') return false;
  try {
    const note = new window.Notification(title, { body, tag: `parley-room-${roomId}` });
    note.onclick = () => {
      window.focus();
      onClick();
      note.close();
    };
    return true;
  } catch {
    return false; // e.g. Chrome on Android wants a service worker for this
  }
}
