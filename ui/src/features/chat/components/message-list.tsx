/**
 * The open room's messages, virtualized (@tanstack/react-virtual) so 10,000+ messages stay smooth.
 * Newest at the bottom; pinned there while the user is at the bottom, otherwise a "new messages"
 * pill. Scrolling near the top loads the previous page, keeping the view where it was.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';

import type { WireMessage } from '@/lib/protocol';
import type { OutboxEntry } from '@/stores/outbox-store';

import { buildRows } from './build-rows';
import { MessageItem, PendingItem } from './message-item';

// Within this many pixels of the bottom counts as "at the bottom".
const PIN_SLACK_PX = 48;
// Start loading older history when the top is this close.
const LOAD_OLDER_PX = 400;

type Props = {
  roomId: number;
  roomName: string;
  messages: WireMessage[];
  pending: OutboxEntry[];
  me: number | null;
  myName: string;
  hasMoreBefore: boolean;
  loadingOlder: boolean;
  onLoadOlder: () => void;
  onReadBottom: () => void;
};

export function MessageList(props: Props) {
  const { roomId, roomName, messages, pending, me, myName, hasMoreBefore, loadingOlder, onLoadOlder, onReadBottom } =
    props;
  const rows = useMemo(() => buildRows(messages, pending, me), [messages, pending, me]);
  const scrollRef = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);
  const [showPill, setShowPill] = useState(false);
  const anchor = useRef<{ key: string; start: number } | null>(null);
  const lastKey = useRef<string | undefined>(undefined);

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: (i) => (rows[i]?.kind === 'day' ? 36 : rows[i]?.kind === 'msg' && rows[i].grouped ? 28 : 58),
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
    else if (had) setShowPill(true);
  }, [rows, onReadBottom]);

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
    pinned.current = atBottom;
    rememberAnchor();
    if (atBottom) {
      setShowPill(false);
      onReadBottom();
    }
    if (el.scrollTop < LOAD_OLDER_PX && hasMoreBefore && !loadingOlder) onLoadOlder();
  }, [hasMoreBefore, loadingOlder, onLoadOlder, onReadBottom, rememberAnchor]);

  // A short room that does not fill the view cannot be scrolled: load more until it does.
  useEffect(() => {
    const el = scrollRef.current;
    if (!el || loadingOlder || !hasMoreBefore) return;
    if (el.scrollHeight <= el.clientHeight + LOAD_OLDER_PX) onLoadOlder();
  }, [rows.length, hasMoreBefore, loadingOlder, onLoadOlder]);

  const jumpToBottom = () => {
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
        aria-label={`#${roomName} conversation`}
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
      {showPill && (
        <button type="button" className="pill" onClick={jumpToBottom}>
          New messages ↓
        </button>
      )}
    </div>
  );
}
