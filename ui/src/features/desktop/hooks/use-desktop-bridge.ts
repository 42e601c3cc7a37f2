/**
 * What the desktop window does for the page (no-ops in a browser): the unread total in the window
 * title (and the launcher's badge), and external links in the system browser. Its native
 * notifications are sent by features/notifications, which decides for browsers and window alike.
 */
import { useEffect } from 'react';

import { totalUnread, useChat } from '@/features/chat';
import { desktopApi, openExternal, setUnread } from '@/features/desktop/api/desktop-api';

function externalLinkClick(e: MouseEvent): void {
  if (e.defaultPrevented || (e.type === 'click' ? e.button !== 0 : e.button !== 1)) return;
  const anchor = e.target instanceof Element ? e.target.closest('a[href]') : null;
  if (!(anchor instanceof HTMLAnchorElement)) return;
  let url: URL;
  try {
    url = new URL(anchor.href, window.location.href);
  } catch {
    return;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return;
  if (url.origin === window.location.origin) return;
  if (openExternal(url.href)) e.preventDefault();
}

export function useDesktopBridge(): void {
  const total = useChat((s) => totalUnread(s, false));

  useEffect(() => {
    void desktopApi(); // start detecting now, so a first link click already knows
    document.addEventListener('click', externalLinkClick);
    document.addEventListener('auxclick', externalLinkClick);
    return () => {
      document.removeEventListener('click', externalLinkClick);
      document.removeEventListener('auxclick', externalLinkClick);
    };
  }, []);

  useEffect(() => {
    setUnread(total);
  }, [total]);
}
