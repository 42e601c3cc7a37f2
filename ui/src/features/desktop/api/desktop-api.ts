/**
 * The desktop window's js_api (desktop/bridge.py), typed. Only the Parley window injects
 * `window.pywebview.api`, and its calls work only on this computer's own host page; everywhere
 * else (a browser, another host's page shown in the window) every function here is a no-op.
 *
 * pywebview injects the api after the page started, then fires `pywebviewready`; detection waits
 * for that (or polls, in case the event fired before we listened), then asks `desktop_info()` once:
 * a refusal means "not our host's page" and the api is treated as absent.
 */

/** One address tried by `join_host` (desktop/probe.py). `mismatch`: the host presented another TLS
 * key than the one pinned for it (or the invite link's `fp=`); `fingerprint` is the key it presented. */
export type JoinStep = 'ok' | 'invalid' | 'unreachable' | 'refused' | 'not_parley' | 'host_refused' | 'mismatch';
export type JoinAttempt = {
  url: string;
  step: JoinStep;
  message: string;
  name: string | null;
  fingerprint?: string | null;
  host_id?: string | null;
};
/** `open`: where the page goes next on success (the host's URL with the link's fragment). */
export type JoinResult = { ok: boolean; url?: string; open?: string; attempts: JoinAttempt[] };
export type DesktopInfo = { version: string; platform: string; notifications: string };

export type DesktopApi = {
  notify: (title: string, body: string, room_id?: number) => Promise<boolean>;
  set_unread: (count: number) => Promise<null>;
  open_external: (url: string) => Promise<boolean>;
  join_host: (address: string | string[]) => Promise<JoinResult>;
  desktop_info: () => Promise<DesktopInfo>;
};

declare global {
  interface Window {
    pywebview?: { api?: Partial<DesktopApi> };
  }
}

// pywebview fires `pywebviewready` within a second of load even on a cold WebKit; a browser never
// does. After this long we stop waiting and stay a plain web page.
const DETECT_TIMEOUT_MS = 5_000;
const POLL_MS = 100;

let detecting: Promise<DesktopApi | null> | null = null;
let current: DesktopApi | null = null;

function complete(api: Partial<DesktopApi> | undefined): api is DesktopApi {
  return !!api && typeof api.desktop_info === 'function' && typeof api.set_unread === 'function';
}

function waitForApi(win: Window, timeoutMs: number): Promise<DesktopApi | null> {
  return new Promise((resolve) => {
    const found = () => (complete(win.pywebview?.api) ? (win.pywebview!.api as DesktopApi) : null);
    const now = found();
    if (now) return resolve(now);
    const finish = (api: DesktopApi | null) => {
      clearInterval(poll);
      clearTimeout(timer);
      win.removeEventListener('pywebviewready', onReady);
      resolve(api);
    };
    const onReady = () => {
      const api = found();
      if (api) finish(api);
    };
    const poll = setInterval(onReady, POLL_MS);
    const timer = setTimeout(() => finish(found()), timeoutMs);
    win.addEventListener('pywebviewready', onReady);
  });
}

/** The api when this page is the desktop window's own host page, else null (resolves once). */
export function desktopApi(timeoutMs = DETECT_TIMEOUT_MS): Promise<DesktopApi | null> {
  if (!detecting) {
    detecting = waitForApi(window, timeoutMs).then(async (api) => {
      if (!api) {
        // A window so loaded that pywebview injected its api after the timeout: the next call
        // (a notification, a new unread count) detects again instead of staying a web page.
        window.addEventListener('pywebviewready', () => (detecting = null), { once: true });
        return null;
      }
      try {
        await api.desktop_info();
      } catch {
        return null; // another host's page in our window: the bridge refuses it everything
      }
      current = api;
      return api;
    });
  }
  return detecting;
}

/** The api if detection already finished positively; for decisions that cannot wait (a click). */
export function desktopApiNow(): DesktopApi | null {
  return current;
}

function quietly(fn: (api: DesktopApi) => Promise<unknown>): void {
  void desktopApi().then((api) => (api ? fn(api) : undefined)).catch(() => undefined);
}

/** Window title `(N) Parley`. No-op outside the desktop window. */
export function setUnread(count: number): void {
  quietly((api) => api.set_unread(Math.max(0, Math.floor(count))));
}

/** A native notification; its click focuses the window and opens `roomId` (OPEN_ROOM_EVENT).
 * No-op outside the desktop window. */
export function notify(title: string, body: string, roomId: number): void {
  quietly((api) => api.notify(title, body, roomId));
}

/** What the desktop window dispatches on `window` (detail: a room id) when a person clicks one of
 * its notifications (desktop/window.py). */
export const OPEN_ROOM_EVENT = 'parley:open-room';

/**
 * Open an http(s) link in the system browser. Returns true when the desktop took it (the caller
 * then prevents the page's own navigation), false when the page should do what it normally does.
 */
export function openExternal(url: string): boolean {
  const api = desktopApiNow();
  if (!api || !/^https?:\/\//i.test(url)) return false;
  api.open_external(url).catch(() => undefined);
  return true;
}

/** Reset detection between unit tests. */
export function _resetDesktopApiForTests(): void {
  detecting = null;
  current = null;
}
