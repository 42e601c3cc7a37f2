/**
 * Search messages (Ctrl+Shift+F or the header's Search button): words, filters for room and
 * author, newest first, "Load more"; a result opens its message in context.
 */
import '@/features/search/components/search.css';

import { useMemo, useState } from 'react';

import { Dialog } from '@/components/ui/dialog';
import { roomTitle } from '@/features/dms/lib/room-label';
import { excerpt, highlight, searchable } from '@/features/search/highlight';
import { useSearch } from '@/features/search/hooks/use-search';
import { dayLabel, timeLabel } from '@/lib/format';
import { MAX_SEARCH_CHARS, type WireMessage } from '@/lib/protocol';
import { useChat } from '@/stores/chat-store';
import { jumpToMessage } from '@/stores/sync';

function Highlighted({ text, query }: { text: string; query: string }) {
  const parts = excerpt(highlight(text, query));
  return (
    <span className="search-text">
      {parts.map((p, i) => (p.mark ? <mark key={i}>{p.text}</mark> : <span key={i}>{p.text}</span>))}
    </span>
  );
}

function Result({ message, query, onOpen }: { message: WireMessage; query: string; onOpen: (m: WireMessage) => void }) {
  const room = useChat((s) => s.rooms[message.room_id]);
  const me = useChat((s) => s.me);
  const files = message.attachments?.length ?? 0;
  return (
    <li>
      <button type="button" className="search-result" onClick={() => onOpen(message)}>
        <span className="search-meta">
          <span className="search-room">{room ? roomTitle(room, me) : 'a room'}</span>
          <span className="search-author">{message.author.name}</span>
          <time dateTime={message.created_at}>
            {dayLabel(message.created_at)} {timeLabel(message.created_at)}
          </time>
        </span>
        <Highlighted text={message.text} query={query} />
        {files > 0 && <span className="muted small-text">{files === 1 ? '1 file' : `${files} files`}</span>}
      </button>
    </li>
  );
}

export function SearchPanel({ onClose }: { onClose: () => void }) {
  const rooms = useChat((s) => s.rooms);
  const users = useChat((s) => s.users);
  const me = useChat((s) => s.me);
  const [query, setQuery] = useState('');
  const [roomId, setRoomId] = useState<number | null>(null);
  const [authorId, setAuthorId] = useState<number | null>(null);
  const [openError, setOpenError] = useState<string | null>(null);
  const filters = useMemo(() => ({ query, roomId, authorId }), [query, roomId, authorId]);
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

  const status = !searchable(query)
    ? query
      ? 'Type a word (letters or digits) to search.'
      : 'Search the messages of your rooms.'
    : loading && results.length === 0
      ? 'Searching…'
      : answered && results.length === 0 && !error
        ? `No messages match “${answered}”.`
        : '';

  return (
    <Dialog title="Search messages" onClose={onClose} wide>
      <div className="search-panel">
        <input
          type="search"
          aria-label="Search"
          placeholder="Search messages"
          value={query}
          maxLength={MAX_SEARCH_CHARS}
          onChange={(e) => setQuery(e.target.value)}
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
        </div>
        {(error || openError) && (
          <p className="error" role="alert">
            {openError ?? error}
          </p>
        )}
        <p className="muted small-text" role="status">
          {status}
        </p>
        {results.length > 0 && (
          <ul className="search-results" aria-label="Search results">
            {results.map((m) => (
              <Result key={m.id} message={m} query={answered} onOpen={(x) => void open(x)} />
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
