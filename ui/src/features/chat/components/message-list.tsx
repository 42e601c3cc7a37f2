/**
 * The open room's messages, virtualized (@tanstack/react-virtual) so 10,000+ messages stay smooth.
 * Newest at the bottom; pinned there while the user is at the bottom, otherwise a "new messages"
 * pill. Scrolling near the top loads the previous page, keeping the view where it was. A jump
 * (quoted reply, search result) scrolls to its message and flashes it; when that left us holding
 * a page from the past, the bottom loads the next page and a pill jumps to the present.
 *
 * A room opened with unread messages lands on the first of them ("New since you left" at the top
 * of the view); the read mark follows what has been on screen, not what was loaded. "Jump to first
 * unread" shows while that line is above the view, "Jump to present" when far from the bottom.
 *
 * Keyboard: the list is one Tab stop (roving tabindex over the messages); ↑/↓, Home/End move
 * between messages, Enter goes into the focused message's controls and Esc comes back out.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import {
  type KeyboardEvent,
  type RefObject,
  useCallback,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
} from 'react';

import { type Flash, useChat } from '@/features/chat/stores/chat-store';
import { timeLabel } from '@/lib/format';
import type { WireMessage } from '@/lib/protocol';
import type { OutboxEntry } from '@/stores/outbox-store';

import { buildRows, type RowExtras } from './build-rows';
import { MessageItem, PendingItem } from './message-item';

// Within this many pixels of the bottom counts as "at the bottom".
const PIN_SLACK_PX = 48;
// Start loading older history when the top is this close.
const LOAD_OLDER_PX = 400;
// How long a jumped-to message stays highlighted (the CSS animation runs as long).
const FLASH_MS = 2400;
// Further from the bottom than this many screens offers "Jump to present".
const FAR_SCREENS = 2;
// A message counts as seen once its bottom edge was this close to the view's bottom.
const SEEN_SLACK_PX = 4;

const FOCUSABLE = 'a[href], button, input, textarea, select, [tabindex]';

/**
 * Only the current message is a Tab stop: the controls inside messages leave the Tab order
 * (they are reached with Enter on a focused message), except inside the message that has focus.
 */
function rovingTabOrder(root: HTMLElement): void {
  for (const el of root.querySelectorAll<HTMLElement>(FOCUSABLE)) {
    if (el.classList.contains('msg-focus')) continue;
    const inside = el.closest('.msg-focus')?.contains(document.activeElement) ?? false;
    if (inside && el.dataset.roving !== undefined) {
      el.removeAttribute('tabindex');
      delete el.dataset.roving;
    } else if (!inside && el.getAttribute('tabindex') !== '-1') {
      el.setAttribute('tabindex', '-1');
      el.dataset.roving = '';
    }
  }
}

type Props = {
  roomId: number;
  roomName: string;
  messages: WireMessage[];
  pending: OutboxEntry[];
  me: number | null;
  myName: string;
  hasMoreBefore: boolean;
  /** We hold a page from the past; the bottom is not the present. */
  hasMoreAfter: boolean;
  loadingOlder: boolean;
  onLoadOlder: () => void;
  onLoadNewer: () => void;
  onJumpToPresent: () => void;
  /** The user sees the bottom (called when it comes into view, and on window focus there). */
  onReadBottom: () => void;
  /** The user has seen the messages up to this id (they have been on screen). */
  onSeen: (messageId: number) => void;
  /** Open on the first unread message (the room had unread when opened), not at the bottom. */
  landOnUnread: boolean;
  /** The scrolling element, for PageUp/PageDown from the composer. */
  scrollerRef?: RefObject<HTMLDivElement | null>;
  extras: RowExtras;
  flash: Flash | null;
};

export function MessageList(props: Props) {
  const { roomId, roomName, messages, pending, me, myName, hasMoreBefore, hasMoreAfter, loadingOlder } = props;
  const { onLoadOlder, onLoadNewer, onJumpToPresent, onReadBottom, onSeen, landOnUnread, scrollerRef, extras, flash } = props;
  const { newSince, seen } = extras;
  const rows = useMemo(
    () => buildRows(messages, pending, me, undefined, { newSince, seen }),
    [messages, pending, me, newSince, seen],
  );
  const scrollRef = useRef<HTMLDivElement>(null);
  const rowsRef = useRef<HTMLDivElement>(null);
  const pinned = useRef(!landOnUnread);
  // Waiting to land on the first unread (its line may come with a page still on its way).
  const landing = useRef(landOnUnread);
  const [showPill, setShowPill] = useState(false);
  const [unreadAbove, setUnreadAbove] = useState(false);
  const [far, setFar] = useState(false);
  // The message that is the list's Tab stop (roving tabindex).
  const [current, setCurrent] = useState<number | null>(null);
  const newIndex = rows.findIndex((r) => r.kind === 'new');
  const anchor = useRef<{ key: string; start: number } | null>(null);
  const lastKey = useRef<string | undefined>(undefined);

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: (i) => {
      const row = rows[i];
      if (row?.kind === 'day' || row?.kind === 'new') return 36;
      if (row?.kind === 'seen') return 22;
      return row?.kind === 'msg' && row.grouped ? 28 : 58;
    },
    getItemKey: (i) => rows[i]?.key ?? i,
    overscan: 8,
  });
  const items = virtualizer.getVirtualItems();
  const totalSize = virtualizer.getTotalSize();

  // A new room starts at the bottom, or on its first unread.
  useLayoutEffect(() => {
    pinned.current = !landOnUnread;
    landing.current = landOnUnread;
    anchor.current = null;
    lastKey.current = undefined;
    setShowPill(false);
    // Only a room change lands again; the flag is read when the room opens.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [roomId]);

  // Land on the line once it is among the rows; with none to land on (nothing new by others),
  // the room opens at its bottom after all.
  useLayoutEffect(() => {
    if (!landing.current || rows.length === 0) return;
    landing.current = false;
    if (newIndex < 0) {
      pinned.current = !hasMoreAfter;
      return;
    }
    pinned.current = false;
    virtualizer.scrollToIndex(newIndex, { align: 'start' });
  }, [rows.length, newIndex, hasMoreAfter, virtualizer]);

  /** Read as far as the person has seen: the newest message whose bottom has been in view. */
  const markSeen = useCallback(() => {
    const el = scrollRef.current;
    if (!el || landing.current) return;
    const viewBottom = el.scrollTop + el.clientHeight;
    let seen = 0;
    for (const item of virtualizer.getVirtualItems()) {
      const row = rows[item.index];
      if (row?.kind !== 'msg') continue;
      const fits = item.end <= viewBottom + SEEN_SLACK_PX;
      const tallAndShown = item.size > el.clientHeight && item.start < viewBottom;
      if ((fits || tallAndShown) && row.message.id > seen) seen = row.message.id;
    }
    if (seen > 0) onSeen(seen);
  }, [rows, virtualizer, onSeen]);

  // A jump: unpin, scroll the message to the middle, let it flash, then forget the jump.
  const flashSeq = flash?.roomId === roomId ? flash.seq : 0;
  const flashIndex = flashSeq ? rows.findIndex((r) => r.kind === 'msg' && r.message.id === flash!.messageId) : -1;
  useLayoutEffect(() => {
    if (!flashSeq || flashIndex < 0) return;
    pinned.current = false;
    anchor.current = null;
    virtualizer.scrollToIndex(flashIndex, { align: 'center' });
    const t = setTimeout(() => {
      if (useChat.getState().flash?.seq === flashSeq) useChat.getState().clearFlash();
    }, FLASH_MS);
    return () => clearTimeout(t);
    // Only a new jump scrolls; later row changes must not pull the view back.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [flashSeq, flashIndex >= 0]);

  // My own new message (just sent) brings me to it wherever I had scrolled: it is what I am
  // looking for, not news to announce with a pill.
  const ownKey = useRef<string | undefined>(undefined);
  const hasMoreAfterRef = useRef(hasMoreAfter);
  useLayoutEffect(() => {
    hasMoreAfterRef.current = hasMoreAfter;
  }, [hasMoreAfter]);
  useLayoutEffect(() => {
    const last = rows.at(-1);
    const key = last?.kind === 'pending' ? last.key : undefined;
    if (key && key !== ownKey.current && !hasMoreAfter) {
      pinned.current = true;
      anchor.current = null;
      setShowPill(false);
    }
    ownKey.current = key;
  }, [rows, hasMoreAfter]);

  // The view shrinks when the composer grows (a long draft, a reply bar, a file chip): pinned
  // to the bottom, the newest message must stay in view rather than slide under the composer.
  useEffect(() => {
    const el = scrollRef.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    // Judged by where the view was before it shrank (its old height) as well as by `pinned`: a
    // scroll event in between (the browser clamping the position during a layout) may have
    // cleared `pinned` though the person never scrolled away.
    let height = el.clientHeight;
    const observer = new ResizeObserver(() => {
      const gapBefore = el.scrollHeight - el.scrollTop - height;
      height = el.clientHeight;
      if (pinned.current || gapBefore < PIN_SLACK_PX) {
        pinned.current = !hasMoreAfterRef.current;
        el.scrollTop = el.scrollHeight;
      }
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  // Keep the first message in place when older pages are prepended; stick to the bottom when pinned.
  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const a = anchor.current;
    if (a && !pinned.current) {
      const idx = rows.findIndex((r) => r.key === a.key);
      const start = idx >= 0 ? virtualizer.measurementsCache[idx]?.start : undefined;
      if (start !== undefined && start !== a.start) {
        el.scrollTop += start - a.start;
        a.start = start;
      }
    }
    if (pinned.current) el.scrollTop = el.scrollHeight;
  }, [rows, totalSize, virtualizer]);

  // New rows at the bottom: either follow them, or offer the pill.
  useEffect(() => {
    const key = rows.at(-1)?.key;
    if (key === lastKey.current) return;
    const had = lastKey.current !== undefined;
    lastKey.current = key;
    if (pinned.current) onReadBottom();
    else if (had && !hasMoreAfter) setShowPill(true);
  }, [rows, onReadBottom, hasMoreAfter]);

  // What is on screen after rows or their sizes change (landing, a page arriving) has been seen.
  useEffect(() => {
    if (!pinned.current) markSeen();
  }, [markSeen, totalSize]);

  // Coming back to the window with the room at its bottom: that is reading it.
  useEffect(() => {
    const onFocus = () => {
      if (pinned.current) onReadBottom();
      else markSeen();
    };
    window.addEventListener('focus', onFocus);
    document.addEventListener('visibilitychange', onFocus);
    return () => {
      window.removeEventListener('focus', onFocus);
      document.removeEventListener('visibilitychange', onFocus);
    };
  }, [onReadBottom, markSeen]);

  const rememberAnchor = useCallback(() => {
    const el = scrollRef.current;
    if (!el) return;
    const first = virtualizer.getVirtualItems().find((v) => v.end > el.scrollTop && rows[v.index]?.kind !== 'day');
    if (first) anchor.current = { key: String(first.key), start: first.start };
  }, [rows, virtualizer]);

  const onScroll = useCallback(() => {
    const el = scrollRef.current;
    if (!el) return;
    const fromBottom = el.scrollHeight - el.scrollTop - el.clientHeight;
    const atBottom = fromBottom < PIN_SLACK_PX;
    // Holding a page from the past, the bottom is where the next page loads, not a place to pin.
    pinned.current = atBottom && !hasMoreAfter;
    rememberAnchor();
    setFar(fromBottom > FAR_SCREENS * el.clientHeight);
    const line = newIndex >= 0 ? virtualizer.measurementsCache[newIndex] : undefined;
    setUnreadAbove(line !== undefined && line.end <= el.scrollTop);
    markSeen();
    if (atBottom) {
      setShowPill(false);
      onReadBottom();
      if (hasMoreAfter && !loadingOlder) onLoadNewer();
    }
    if (el.scrollTop < LOAD_OLDER_PX && hasMoreBefore && !loadingOlder) onLoadOlder();
  }, [hasMoreBefore, hasMoreAfter, loadingOlder, onLoadOlder, onLoadNewer, onReadBottom, rememberAnchor, markSeen, newIndex, virtualizer]);

  // A short room that does not fill the view cannot be scrolled: load more until it does.
  useEffect(() => {
    const el = scrollRef.current;
    if (!el || loadingOlder || !hasMoreBefore) return;
    if (el.scrollHeight <= el.clientHeight + LOAD_OLDER_PX) onLoadOlder();
  }, [rows.length, hasMoreBefore, loadingOlder, onLoadOlder]);

  const jumpToBottom = () => {
    if (hasMoreAfter) onJumpToPresent();
    pinned.current = true;
    setShowPill(false);
    const el = scrollRef.current;
    if (el) el.scrollTop = el.scrollHeight;
    virtualizer.scrollToIndex(rows.length - 1, { align: 'end' });
    onReadBottom();
  };

  const jumpToFirstUnread = () => {
    if (newIndex < 0) return;
    pinned.current = false;
    setUnreadAbove(false);
    virtualizer.scrollToIndex(newIndex, { align: 'start' });
  };

  // The scroller is shared with the composer (PageUp/PageDown) through the room.
  const setScroller = useCallback(
    (el: HTMLDivElement | null) => {
      scrollRef.current = el;
      if (scrollerRef) scrollerRef.current = el;
    },
    [scrollerRef],
  );

  // Roving tabindex: the current message if it is rendered, else the newest message in view.
  const msgIndexes = useMemo(() => rows.flatMap((r, i) => (r.kind === 'msg' ? [i] : [])), [rows]);
  const rendered = items.filter((v) => rows[v.index]?.kind === 'msg');
  const currentShown = rendered.some((v) => {
    const row = rows[v.index];
    return row?.kind === 'msg' && row.message.id === current;
  });
  const stopIndex = currentShown
    ? rendered.find((v) => {
        const row = rows[v.index];
        return row?.kind === 'msg' && row.message.id === current;
      })!.index
    : (rendered.at(-1)?.index ?? -1);

  // Controls inside messages leave the Tab order (re-applied as rows render and focus moves).
  useLayoutEffect(() => {
    const root = rowsRef.current;
    if (root) rovingTabOrder(root);
  });
  // A message re-renders on its own (a reaction, an edit) and may add controls: those too.
  useEffect(() => {
    const root = rowsRef.current;
    if (!root) return;
    const watcher = new MutationObserver(() => rovingTabOrder(root));
    watcher.observe(root, { childList: true, subtree: true });
    return () => watcher.disconnect();
  }, []);

  const focusIndex = (index: number) => {
    const row = rows[index];
    if (row?.kind !== 'msg') return;
    setCurrent(row.message.id);
    pinned.current = false;
    virtualizer.scrollToIndex(index, { align: 'auto' });
    // The row may mount only after the scroll: focus it on the next frames.
    const tryFocus = (left: number) => {
      const el = rowsRef.current?.querySelector<HTMLElement>(`[data-index="${index}"] .msg-focus`);
      if (el) el.focus();
      else if (left > 0) requestAnimationFrame(() => tryFocus(left - 1));
    };
    requestAnimationFrame(() => tryFocus(5));
  };

  const onRowsKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const target = e.target as HTMLElement;
    const msgEl = target.closest<HTMLElement>('.msg-focus');
    if (!msgEl) return;
    const index = Number(msgEl.closest<HTMLElement>('[data-index]')?.dataset.index ?? -1);
    const onMessage = target === msgEl;
    if (!onMessage) {
      // Inside a message's controls: Esc returns to the message (an open editor or picker handles
      // its own Esc first).
      if (e.key === 'Escape' && !e.defaultPrevented && target.tagName !== 'TEXTAREA') {
        e.preventDefault();
        msgEl.focus();
      }
      return;
    }
    const pos = msgIndexes.indexOf(index);
    let next: number | undefined;
    if (e.key === 'ArrowDown') next = msgIndexes[pos + 1];
    else if (e.key === 'ArrowUp') next = msgIndexes[pos - 1];
    else if (e.key === 'Home') next = msgIndexes[0];
    else if (e.key === 'End') next = msgIndexes.at(-1);
    else if (e.key === 'Enter') {
      const first = msgEl.querySelector<HTMLElement>(FOCUSABLE.replace(', [tabindex]', ''));
      if (first) {
        e.preventDefault();
        first.removeAttribute('tabindex');
        first.focus();
        rovingTabOrder(rowsRef.current!);
      }
      return;
    } else return;
    e.preventDefault();
    if (next !== undefined) focusIndex(next);
  };

  return (
    <div className="message-pane">
      <div className="history-edge" aria-live="polite" hidden={!loadingOlder}>
        {loadingOlder ? 'Loading older messages…' : ''}
      </div>
      {rows.length === 0 && !hasMoreBefore && (
        <p className="empty muted">No messages yet. Say hello!</p>
      )}
      {unreadAbove && newIndex >= 0 && (
        <button type="button" className="unread-bar" onClick={jumpToFirstUnread}>
          Jump to first unread ↑
        </button>
      )}
      <div
        ref={setScroller}
        className="message-scroll"
        onScroll={onScroll}
        role="log"
        aria-label={`${roomName} conversation`}
        // With messages, the focused message is the list's Tab stop; an empty list is still
        // reachable (and scrollable) by keyboard.
        tabIndex={stopIndex < 0 ? 0 : -1}
      >
        <div
          ref={rowsRef}
          role="list"
          className="message-rows"
          style={{ height: totalSize }}
          onKeyDown={onRowsKeyDown}
          onFocus={(e) => {
            const msg = (e.target as HTMLElement).closest<HTMLElement>('.msg-focus');
            const id = Number(msg?.dataset.msgId ?? NaN);
            if (!Number.isNaN(id) && id !== current) setCurrent(id);
            if (rowsRef.current) rovingTabOrder(rowsRef.current);
          }}
          onBlur={() => requestAnimationFrame(() => rowsRef.current && rovingTabOrder(rowsRef.current))}
        >
          {items.map((item) => {
            const row = rows[item.index]!;
            return (
              <div
                key={item.key}
                role="listitem"
                data-index={item.index}
                ref={virtualizer.measureElement}
                className={row.kind === 'day' ? 'vrow day-row' : 'vrow'}
                style={{ transform: `translateY(${item.start}px)` }}
              >
                {row.kind === 'day' ? (
                  <div className="day-sep">
                    <span>{row.label}</span>
                  </div>
                ) : row.kind === 'new' ? (
                  <div className="new-sep" role="separator" aria-label="New since you left">
                    <span>New since you left</span>
                  </div>
                ) : row.kind === 'seen' ? (
                  <p className="seen" aria-live="polite">
                    {row.text}
                  </p>
                ) : row.kind === 'msg' ? (
                  <div
                    className="msg-focus"
                    role="group"
                    tabIndex={item.index === stopIndex ? 0 : -1}
                    data-msg-id={row.message.id}
                    aria-label={`${row.message.author.name}, ${timeLabel(row.message.created_at)}`}
                  >
                    <MessageItem message={row.message} own={row.own} grouped={row.grouped} />
                  </div>
                ) : (
                  <PendingItem entry={row.entry} name={myName} me={me} />
                )}
              </div>
            );
          })}
        </div>
      </div>
      {(showPill || hasMoreAfter || far) && (
        <button type="button" className="pill" onClick={jumpToBottom}>
          {showPill && !hasMoreAfter ? 'New messages ↓' : 'Jump to present ↓'}
        </button>
      )}
    </div>
  );
}
