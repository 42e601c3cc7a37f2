/** Enter sends, Shift+Enter is a newline; the draft is kept per room (and across reloads). */
import { type FormEvent, type KeyboardEvent, useEffect, useRef, useState } from 'react';

import { MAX_TEXT_CHARS } from '@/lib/protocol';
import { useChat } from '@/stores/chat-store';
import { notifyTyping, sendMessage } from '@/stores/sync';

export function Composer({ roomId, roomName }: { roomId: number; roomName: string }) {
  const draft = useChat((s) => s.drafts[roomId] ?? '');
  const setDraft = useChat((s) => s.setDraft);
  const ref = useRef<HTMLTextAreaElement>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    setError(null);
    ref.current?.focus();
  }, [roomId]);

  // Grow with the text up to a few lines.
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, 200)}px`;
  }, [draft]);

  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    const text = draft.replace(/\s+$/, '');
    if (!text.trim()) return;
    if (text.length > MAX_TEXT_CHARS) {
      setError(`Messages can be at most ${MAX_TEXT_CHARS.toLocaleString()} characters (this one has ${text.length.toLocaleString()}).`);
      return;
    }
    setError(null);
    sendMessage(roomId, text);
    setDraft(roomId, '');
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      submit();
    }
  };

  return (
    <form className="composer" onSubmit={submit}>
      <textarea
        ref={ref}
        aria-label="Message"
        placeholder={`Message #${roomName}`}
        rows={1}
        value={draft}
        onChange={(e) => {
          setDraft(roomId, e.target.value);
          if (e.target.value) notifyTyping(roomId);
        }}
        onKeyDown={onKeyDown}
      />
      <button type="submit" className="primary" disabled={!draft.trim()}>
        Send
      </button>
      {error && (
        <p className="error composer-error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}
