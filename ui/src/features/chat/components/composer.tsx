/**
 * Enter sends, Shift+Enter is a newline; the draft is kept per room (and across reloads).
 * `@` offers people to mention (↑/↓, Enter or Tab to pick, Esc to close); Esc cancels a reply;
 * ↑ in an empty composer edits my last message.
 */
import { type FormEvent, type KeyboardEvent, useEffect, useId, useLayoutEffect, useMemo, useRef, useState } from 'react';

import { Popover } from '@/components/ui/popover';
import { jumpToPresent } from '@/features/chat/api/history';
import { notifyTyping, sendMessage } from '@/features/chat/api/messages';
import { loadAllUsers } from '@/features/chat/api/users';
import { lengthHint } from '@/features/chat/lib/length-hint';
import {
  expandShortcodes,
  insertShortcode,
  loadedShortcodes,
  loadShortcodes,
  matchShortcodes,
  type Shortcode,
  type ShortcodeQuery,
  shortcodeQuery,
} from '@/features/chat/lib/shortcodes';
import { useChat } from '@/features/chat/stores/chat-store';
import { AttachButton, PendingFiles, runningIn, UploadTray, useUploads } from '@/features/files';
import {
  insertMention,
  mentionOptionId,
  MentionPopup,
  type MentionQuery,
  mentionQuery,
  suggestUsers,
} from '@/features/mentions';
import { MAX_TEXT_CHARS, textLength, type WireUser } from '@/lib/protocol';
import { useCompose } from '@/stores/compose-store';

import { ShortcodePopup, shortcodeOptionId } from './shortcode-popup';

const NO_FILES: never[] = [];

/** My newest message in the room that can still be edited. */
function lastEditable(roomId: number): number | null {
  const { messages, me } = useChat.getState();
  const held = messages[roomId] ?? [];
  for (let i = held.length - 1; i >= 0; i--) {
    const m = held[i]!;
    if (m.author.id === me && !m.deleted) return m.id;
  }
  return null;
}

export function Composer({ roomId, roomName }: { roomId: number; roomName: string }) {
  const draft = useChat((s) => s.drafts[roomId] ?? '');
  const setDraft = useChat((s) => s.setDraft);
  const isDm = useChat((s) => s.rooms[roomId]?.kind === 'dm');
  const users = useChat((s) => s.users);
  const members = useChat((s) => s.members[roomId]);
  const me = useChat((s) => s.me);
  const replyTo = useCompose((s) => s.replyTo[roomId]);
  const files = useCompose((s) => s.attachments[roomId] ?? NO_FILES);
  const uploading = useUploads((s) => runningIn(s.items, roomId).length);
  const focusSeq = useCompose((s) => s.focusSeq);
  const ref = useRef<HTMLTextAreaElement>(null);
  const [error, setError] = useState<string | null>(null);
  const [mention, setMention] = useState<MentionQuery | null>(null);
  const [selected, setSelected] = useState(0);
  const [emojiQ, setEmojiQ] = useState<ShortcodeQuery | null>(null);
  const [emojiTable, setEmojiTable] = useState<Shortcode[]>(loadedShortcodes);
  const listId = useId();

  useEffect(() => {
    setError(null);
    setMention(null);
    setEmojiQ(null);
    ref.current?.focus();
  }, [roomId]);

  useEffect(() => {
    if (focusSeq) ref.current?.focus();
  }, [focusSeq]);

  // An error is about the text as it was sent: editing it (or clearing it) retires the error.
  useEffect(() => {
    setError(null);
  }, [draft]);

  // Grow with the text up to a few lines.
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    // Measuring needs the textarea at 'auto' for a moment; the form keeps its height meanwhile,
    // or the message list above would grow for that layout and the browser would clamp its
    // scroll position, leaving the newest message under the composer once it grows back.
    const form = el.form;
    if (form) form.style.minHeight = `${form.offsetHeight}px`;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, 200)}px`;
    if (form) form.style.minHeight = '';
  }, [draft]);

  const suggestions = useMemo(
    () => (mention ? suggestUsers(mention.query, Object.values(users), { me, members }) : []),
    [mention, users, me, members],
  );
  const emojiOptions = useMemo(
    () => (emojiQ && !mention ? matchShortcodes(emojiTable, emojiQ.query) : []),
    [emojiQ, mention, emojiTable],
  );
  const popupOpen = suggestions.length > 0;
  const emojiOpen = !popupOpen && emojiOptions.length > 0;

  const pendingCaret = useRef<number | null>(null);
  useLayoutEffect(() => {
    const el = ref.current;
    const caret = pendingCaret.current;
    if (!el || caret === null) return;
    pendingCaret.current = null;
    el.focus();
    el.setSelectionRange(caret, caret);
  }, [draft]);

  const updateMention = (text: string, caret: number | null) => {
    const q = caret === null ? null : mentionQuery(text, caret);
    setMention(q);
    if (q) void loadAllUsers(); // suggestions from everyone, on a big host too
    const e = caret === null || q ? null : shortcodeQuery(text, caret);
    setEmojiQ(e);
    if (q?.query !== mention?.query || e?.query !== emojiQ?.query) setSelected(0);
    if (e && emojiTable.length === 0) void loadShortcodes().then(setEmojiTable);
  };

  const pickEmoji = (option: Shortcode) => {
    const el = ref.current;
    if (!el || !emojiQ) return;
    const caret = el.selectionStart ?? draft.length;
    const next = insertShortcode(draft, emojiQ, caret, option.emoji);
    pendingCaret.current = next.caret;
    setDraft(roomId, next.text);
    setEmojiQ(null);
  };

  const pickMention = (user: WireUser) => {
    const el = ref.current;
    if (!el || !mention) return;
    const caret = el.selectionStart ?? draft.length;
    const next = insertMention(draft, mention, caret, user.name);
    // The caret goes right after the name in the same commit as the new text (layout effect
    // below): set on a later frame, keys typed meanwhile landed before it.
    pendingCaret.current = next.caret;
    setDraft(roomId, next.text);
    setMention(null);
  };

  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    const text = draft.replace(/\s+$/, '');
    const uploads = useUploads.getState();
    const waiting = runningIn(uploads.items, roomId);
    if (!text.trim() && files.length === 0 && waiting.length === 0) return;
    const failed = uploads.items.find((it) => it.roomId === roomId && !it.clientId && it.phase === 'failed');
    if (failed) {
      setError(`${failed.name} did not upload: Retry or Remove it, then send.`);
      return;
    }
    const length = textLength(text);
    if (length > MAX_TEXT_CHARS) {
      setError(`Messages can be at most ${MAX_TEXT_CHARS.toLocaleString()} characters (this one has ${length.toLocaleString()}).`);
      return;
    }
    setError(null);
    setMention(null);
    setEmojiQ(null);
    // Writing from a page of the past: the message belongs at the present.
    if (useChat.getState().hasMoreAfter[roomId]) void jumpToPresent(roomId);
    const extras = useCompose.getState().take(roomId);
    // Files still uploading go with this message: it waits for them and is posted whole.
    const entry = sendMessage(roomId, expandShortcodes(text, emojiTable), {
      ...(extras.replyTo ? { reply_to: extras.replyTo } : {}),
      ...(extras.attachments.length ? { attachments: extras.attachments } : {}),
      ...(waiting.length ? { waiting } : {}),
    });
    if (waiting.length) uploads.claim(roomId, entry.client_id);
    setDraft(roomId, '');
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.nativeEvent.isComposing) return;
    if (popupOpen) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const step = e.key === 'ArrowDown' ? 1 : -1;
        setSelected((i) => (i + step + suggestions.length) % suggestions.length);
        return;
      }
      if (e.key === 'Enter' || e.key === 'Tab') {
        e.preventDefault();
        pickMention(suggestions[Math.min(selected, suggestions.length - 1)]!);
        return;
      }
      if (e.key === 'Escape') {
        e.preventDefault();
        setMention(null);
        return;
      }
    }
    if (emojiOpen) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const step = e.key === 'ArrowDown' ? 1 : -1;
        setSelected((i) => (i + step + emojiOptions.length) % emojiOptions.length);
        return;
      }
      if (e.key === 'Enter' || e.key === 'Tab') {
        e.preventDefault();
        pickEmoji(emojiOptions[Math.min(selected, emojiOptions.length - 1)]!);
        return;
      }
      if (e.key === 'Escape') {
        e.preventDefault();
        setEmojiQ(null);
        return;
      }
    }
    if (e.key === 'Escape' && replyTo) {
      e.preventDefault();
      useCompose.getState().cancelReply(roomId);
      return;
    }
    if (e.key === 'ArrowUp' && draft === '' && !e.shiftKey && !e.altKey && !e.ctrlKey && !e.metaKey) {
      const id = lastEditable(roomId);
      if (id !== null) {
        e.preventDefault();
        useCompose.getState().startEdit(roomId, id);
      }
      return;
    }
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      submit();
    }
  };

  const hint = lengthHint(textLength(draft), MAX_TEXT_CHARS);
  const placeholder = isDm ? `Message ${roomName}` : `Message #${roomName}`;
  return (
    <form className="composer" onSubmit={submit}>
      {replyTo && (
        <div className="reply-bar" role="status">
          <span className="muted">Replying to</span> <strong>{replyTo.author.name}</strong>
          <span className="reply-snippet">{replyTo.snippet.replace(/\s+/g, ' ')}</span>
          <button
            type="button"
            className="icon-button"
            aria-label="Cancel reply"
            title="Cancel reply (Esc)"
            onClick={() => useCompose.getState().cancelReply(roomId)}
          >
            ×
          </button>
        </div>
      )}
      <PendingFiles roomId={roomId} files={files} />
      <UploadTray roomId={roomId} />
      <div className="composer-row">
        <AttachButton roomId={roomId} />
        {/* On the overlay layer like every picker: placed against the viewport above (or below)
            the text field, never under a message row; the keys stay with the text field. */}
        {(popupOpen || emojiOpen) && (
          <Popover
            anchor={ref.current}
            onClose={popupOpen ? () => setMention(null) : () => setEmojiQ(null)}
            role="presentation"
            className="composer-popup"
          >
            {popupOpen ? (
              <MentionPopup id={listId} users={suggestions} selected={selected} onPick={pickMention} onHover={setSelected} />
            ) : (
              <ShortcodePopup id={listId} options={emojiOptions} selected={selected} onPick={pickEmoji} onHover={setSelected} />
            )}
          </Popover>
        )}
        <textarea
          ref={ref}
          aria-label="Message"
          placeholder={placeholder}
          rows={1}
          value={draft}
          aria-controls={popupOpen || emojiOpen ? listId : undefined}
          aria-autocomplete={popupOpen || emojiOpen ? 'list' : undefined}
          aria-activedescendant={
            popupOpen ? mentionOptionId(listId, selected) : emojiOpen ? shortcodeOptionId(listId, selected) : undefined
          }
          onChange={(e) => {
            setDraft(roomId, e.target.value);
            updateMention(e.target.value, e.target.selectionStart);
            if (e.target.value) notifyTyping(roomId);
          }}
          onSelect={(e) => updateMention(e.currentTarget.value, e.currentTarget.selectionStart)}
          onBlur={() => {
            setMention(null);
            setEmojiQ(null);
          }}
          onKeyDown={onKeyDown}
        />
        <button type="submit" className="primary" disabled={!draft.trim() && files.length === 0 && uploading === 0}>
          Send
        </button>
      </div>
      {hint && (
        <p className={hint.over ? 'char-count over' : 'char-count'} aria-live="polite">
          {hint.text}
        </p>
      )}
      {error && (
        <p className="error composer-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
