/**
 * Search messages (Ctrl+Shift+F or the header's Search button): words in the text or in file
 * names, filters for room, author and dates, newest first, "Load more"; ↓/↑ walk the results and
 * a result opens its message in context (scrolled to and flashed in its room).
 */
import '@/features/search/components/search.css';

import { type KeyboardEvent, useEffect, useMemo, useRef, useState } from 'react';

import { Dialog } from '@/components/ui/dialog';
import { jumpToMessage, loadAllUsers, useChat } from '@/features/chat';
import { roomTitle } from '@/features/dms';
import { dateRange } from '@/features/search/date-range';
import { searchable } from '@/features/search/highlight';
import { useSearch } from '@/features/search/hooks/use-search';
import { MAX_SEARCH_CHARS, type WireMessage } from '@/lib/protocol';

import { SearchResult } from './search-result';

/** ↓/↑ move between the results (and from the box into them), Home/End to the ends. */
function moveFocus(e: KeyboardEvent, list: HTMLElement | null, box: HTMLElement | null) {
  const buttons = [...(list?.querySelectorAll<HTMLElement>('.search-result') ?? [])];
  if (buttons.length === 0) return;
  const at = buttons.indexOf(document.activeElement as HTMLElement);
  let next: HTMLElement | null | undefined;
  if (e.key === 'ArrowDown') next = buttons[Math.min(at + 1, buttons.length - 1)];
  else if (e.key === 'ArrowUp') next = at <= 0 ? box : buttons[at - 1];
  else if (e.key === 'Home' && at >= 0) next = buttons[0];
  else if (e.key === 'End' && at >= 0) next = buttons.at(-1);
  if (!next) return;
  e.preventDefault();
  next.focus();
}

export function SearchPanel({ onClose }: { onClose: () => void }) {
  useEffect(() => void loadAllUsers(), []); // a big host's welcome did not list everyone
  const rooms = useChat((s) => s.rooms);
  const users = useChat((s) => s.users);
  const me = useChat((s) => s.me);
  const [query, setQuery] = useState('');
  const [roomId, setRoomId] = useState<number | null>(null);
  const [authorId, setAuthorId] = useState<number | null>(null);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [openError, setOpenError] = useState<string | null>(null);
  const box = useRef<HTMLInputElement>(null);
  const list = useRef<HTMLUListElement>(null);
  const range = useMemo(() => dateRange(from, to), [from, to]);
  const rangeError = 'error' in range ? range.error : null;
  // A range that cannot be searched leaves the query blank, so nothing is asked of the host.
  const filters = useMemo(
    () => ('error' in range ? { query: '', roomId, authorId } : { query, roomId, authorId, ...range }),
    [query, roomId, authorId, range],
  );
  const { results, hasMore, loading, error, answered, loadMore } = useSearch(filters);

  const roomOptions = useMemo(
    () =>
      Object.values(rooms)
        .filter((r) => r.member)
        .map((r) => ({ id: r.id, label: roomTitle(r, me) }))
        .sort((a, b) => a.label.localeCompare(b.label)),
    [rooms, me],
  );
  const userOptions = useMemo(() => Object.values(users).sort((a, b) => a.name.localeCompare(b.name)), [users]);

  const open = async (m: WireMessage) => {
    setOpenError(null);
    const shown = await jumpToMessage(m.room_id, m.id);
    if (shown) onClose();
    else setOpenError('That message cannot be shown any more (deleted, or you left its room).');
  };

  const dated = from || to ? ' in those dates' : '';
  const status = rangeError
    ? ''
    : !searchable(query)
    ? query
      ? 'Type a word (letters or digits) to search.'
      : 'Search the messages of your rooms.'
    : loading && results.length === 0
      ? 'Searching…'
      : answered && results.length === 0 && !error
        ? `No messages match “${answered}”${dated}.`
        : '';

  return (
    <Dialog title="Search messages" onClose={onClose} wide>
      <div className="search-panel">
        <input
          ref={box}
          type="search"
          aria-label="Search"
          placeholder="Search messages and file names"
          value={query}
          maxLength={MAX_SEARCH_CHARS}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={(e) => e.key === 'ArrowDown' && moveFocus(e, list.current, box.current)}
        />
        <div className="search-filters">
          <label>
            Room{' '}
            <select aria-label="Room" value={roomId ?? ''} onChange={(e) => setRoomId(e.target.value ? Number(e.target.value) : null)}>
              <option value="">All rooms</option>
              {roomOptions.map((r) => (
                <option key={r.id} value={r.id}>
                  {r.label}
                </option>
              ))}
            </select>
          </label>
          <label>
            Author{' '}
            <select aria-label="Author" value={authorId ?? ''} onChange={(e) => setAuthorId(e.target.value ? Number(e.target.value) : null)}>
              <option value="">Anyone</option>
              {userOptions.map((u) => (
                <option key={u.id} value={u.id}>
                  {u.id === me ? `${u.name} (you)` : u.name}
                </option>
              ))}
            </select>
          </label>
          {/* From and To stay together when the filters wrap (a narrow window). */}
          <div className="search-dates" role="group" aria-label="Sent between">
            <label>
              From{' '}
              <input type="date" aria-label="From date" value={from} max={to || undefined} onChange={(e) => setFrom(e.target.value)} />
            </label>
            <label>
              To{' '}
              <input type="date" aria-label="To date" value={to} min={from || undefined} onChange={(e) => setTo(e.target.value)} />
            </label>
            {(from || to) && (
              <button
                type="button"
                className="small"
                onClick={() => {
                  setFrom('');
                  setTo('');
                }}
              >
                Any date
              </button>
            )}
          </div>
        </div>
        {(error || openError || rangeError) && (
          <p className="error" role="alert">
            {openError ?? rangeError ?? error}
          </p>
        )}
        <p className="muted small-text" role="status">
          {status}
        </p>
        {results.length > 0 && (
          <ul className="search-results" aria-label="Search results" ref={list} onKeyDown={(e) => moveFocus(e, list.current, box.current)}>
            {results.map((m) => (
              <SearchResult key={m.id} hit={m} query={answered} onOpen={(x) => void open(x)} />
            ))}
          </ul>
        )}
        {hasMore && (
          <button type="button" className="small" onClick={loadMore} disabled={loading}>
            {loading ? 'Loading…' : 'Load more'}
          </button>
        )}
      </div>
    </Dialog>
  );
}
