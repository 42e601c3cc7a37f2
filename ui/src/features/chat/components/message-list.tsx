/**
 * The open room's messages, virtualized (@tanstack/react-virtual) so 10,000+ messages stay smooth.
 * Newest at the bottom; pinned there while the user is at the bottom, otherwise a "new messages"
 * pill. Scrolling near the top loads the previous page, keeping the view where it was. A jump
 * (quoted reply, search result) scrolls to its message and flashes it; when that left us holding
 * a page from the past, the bottom loads the next page and a pill jumps to the present.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';

import type { WireMessage } from '@/lib/protocol';
import { type Flash, useChat } from '@/stores/chat-store';
import type { OutboxEntry } from '@/stores/outbox-store';

import { buildRows, type RowExtras } from './build-rows';
import { MessageItem, PendingItem } from './message-item';

// Within this many pixels of the bottom counts as "at the bottom".
const PIN_SLACK_PX = 48;
// Start loading older history when the top is this close.
const LOAD_OLDER_PX = 400;
// How long a jumped-to message stays highlighted (the CSS animation runs as long).
const FLASH_MS = 2400;

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
  extras: RowExtras;
  flash: Flash | null;
};

export function MessageList(props: Props) {
  const { roomId, roomName, messages, pending, me, myName, hasMoreBefore, hasMoreAfter, loadingOlder } = props;
  const { onLoadOlder, onLoadNewer, onJumpToPresent, onReadBottom, extras, flash } = props;
  const { newSince, seen } = extras;
  const rows = useMemo(
    () => buildRows(messages, pending, me, undefined, { newSince, seen }),
    [messages, pending, me, newSince, seen],
  );
  const scrollRef = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);
  const [showPill, setShowPill] = useState(false);
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

  // A new room starts at the bottom.
  useLayoutEffect(() => {
    pinned.current = true;
    anchor.current = null;
    lastKey.current = undefined;
    setShowPill(false);
  }, [roomId]);

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

  // Coming back to the window with the room at its bottom: that is reading it.
  useEffect(() => {
    const onFocus = () => {
      if (pinned.current) onReadBottom();
    };
    window.addEventListener('focus', onFocus);
    document.addEventListener('visibilitychange', onFocus);
    return () => {
      window.removeEventListener('focus', onFocus);
      document.removeEventListener('visibilitychange', onFocus);
    };
  }, [onReadBottom]);

  const rememberAnchor = useCallback(() => {
    const el = scrollRef.current;
    if (!el) return;
    const first = virtualizer.getVirtualItems().find((v) => v.end > el.scrollTop && rows[v.index]?.kind !== 'day');
    if (first) anchor.current = { key: String(first.key), start: first.start };
  }, [rows, virtualizer]);

  const onScroll = useCallback(() => {
    const el = scrollRef.current;
    if (!el) return;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < PIN_SLACK_PX;
    // Holding a page from the past, the bottom is where the next page loads, not a place to pin.
    pinned.current = atBottom && !hasMoreAfter;
    rememberAnchor();
    if (atBottom) {
      setShowPill(false);
      onReadBottom();
      if (hasMoreAfter && !loadingOlder) onLoadNewer();
    }
    if (el.scrollTop < LOAD_OLDER_PX && hasMoreBefore && !loadingOlder) onLoadOlder();
  }, [hasMoreBefore, hasMoreAfter, loadingOlder, onLoadOlder, onLoadNewer, onReadBottom, rememberAnchor]);

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

  return (
    <div className="message-pane">
      <div className="history-edge" aria-live="polite" hidden={!loadingOlder}>
        {loadingOlder ? 'Loading older messages…' : ''}
      </div>
      {rows.length === 0 && !hasMoreBefore && (
        <p className="empty muted">No messages yet. Say hello!</p>
      )}
      <div
        ref={scrollRef}
        className="message-scroll"
        onScroll={onScroll}
        role="log"
        aria-label={`${roomName} conversation`}
        tabIndex={0}
      >
        <div role="list" className="message-rows" style={{ height: totalSize }}>
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
                  <MessageItem message={row.message} own={row.own} grouped={row.grouped} />
                ) : (
                  <PendingItem entry={row.entry} name={myName} />
                )}
              </div>
            );
          })}
        </div>
      </div>
      {(showPill || hasMoreAfter) && (
        <button type="button" className="pill" onClick={jumpToBottom}>
          {hasMoreAfter ? 'Jump to present ↓' : 'New messages ↓'}
        </button>
      )}
    </div>
  );
}
