/**
 * One search result as the chat shows the message: its markdown rendered (lib/markdown.ts, the one
 * producer of HTML from peer text) with the matched words marked, and the files whose names
 * matched (icon or thumbnail, name, size). The whole card opens the message in its room; it is one
 * button (the card's other parts are text), named by its place, author, time and words.
 */
import { useId, useLayoutEffect, useMemo, useRef } from 'react';

import { useChat } from '@/features/chat';
import { roomTitle } from '@/features/dms';
import { FileIcon, useImage } from '@/features/files';
import { highlight } from '@/features/search/highlight';
import { markMatches, revealFirstMark } from '@/features/search/mark-dom';
import { dayLabel, timeLabel } from '@/lib/format';
import { renderMarkdown } from '@/lib/markdown';
import type { SearchHit, WireFile } from '@/lib/protocol';
import { formatBytes } from '@/lib/upload';

function Thumb({ file }: { file: WireFile }) {
  const state = useImage(file.id);
  return state.status === 'ready' ? <img className="search-thumb" src={state.url} alt="" draggable={false} /> : <FileIcon />;
}

function FileRow({ file, query }: { file: WireFile; query: string }) {
  return (
    <li className="search-file">
      <span className="search-file-icon">{file.kind === 'image' ? <Thumb file={file} /> : <FileIcon />}</span>
      <span className="search-file-name" title={file.name}>
        {highlight(file.name, query).map((p, i) => (p.mark ? <mark key={i}>{p.text}</mark> : <span key={i}>{p.text}</span>))}
      </span>
      <span className="muted small-text">{formatBytes(file.size)}</span>
    </li>
  );
}

/** The message's text rendered and marked; a long one is clamped around its first match. */
function Snippet({ id, text, query }: { id: string; text: string; query: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const html = useMemo(() => renderMarkdown(text), [text]);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    // Set here rather than through React so a new query starts from clean HTML, not old marks.
    el.innerHTML = html;
    markMatches(el, query);
    revealFirstMark(el);
  }, [html, query]);
  return <div id={id} ref={ref} className="msg-body search-snippet" />;
}

export function SearchResult({ hit, query, onOpen }: { hit: SearchHit; query: string; onOpen: (m: SearchHit) => void }) {
  const room = useChat((s) => s.rooms[hit.room_id]);
  const me = useChat((s) => s.me);
  const ids = useId();
  const metaId = `${ids}-meta`;
  const textId = `${ids}-text`;
  const filesId = `${ids}-files`;
  const matchedIds = hit.match?.files ?? [];
  const files = (hit.attachments ?? []).filter((f) => matchedIds.includes(f.id));
  const others = (hit.attachments?.length ?? 0) - files.length;
  const inText = hit.match?.text ?? true;
  const why = files.length > 0 ? (inText ? 'Matched in text and file name' : 'Matched in file name') : '';
  const named = [metaId, hit.text ? textId : '', files.length ? filesId : ''].filter(Boolean).join(' ');

  return (
    <li className="search-hit">
      <button type="button" className="search-result" aria-labelledby={named} onClick={() => onOpen(hit)}>
        <span className="search-meta" id={metaId}>
          <span className="search-room">{room ? roomTitle(room, me) : 'a room'}</span>
          <span className="search-author">{hit.author.name}</span>
          <time dateTime={hit.created_at}>
            {dayLabel(hit.created_at)} {timeLabel(hit.created_at)}
          </time>
        </span>
      </button>
      {hit.text && <Snippet id={textId} text={hit.text} query={query} />}
      {files.length > 0 && (
        <ul className="search-files" id={filesId} aria-label={why}>
          {files.map((f) => (
            <FileRow key={f.id} file={f} query={query} />
          ))}
        </ul>
      )}
      {(why || others > 0) && (
        <span className="muted small-text search-why">
          {why}
          {why && others > 0 ? ' · ' : ''}
          {others > 0 ? (others === 1 ? '1 other file' : `${others} other files`) : ''}
        </span>
      )}
    </li>
  );
}
