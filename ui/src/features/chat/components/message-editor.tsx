/** Edit a message in place: Enter saves, Shift+Enter is a newline, Esc cancels. */
import { type KeyboardEvent, useEffect, useRef, useState } from 'react';

import { editMessage } from '@/features/chat/api/messages';
import { MAX_TEXT_CHARS, textLength, type WireMessage } from '@/lib/protocol';
import { RequestError } from '@/lib/request-error';
import { useCompose } from '@/stores/compose-store';

export function MessageEditor({ message }: { message: WireMessage }) {
  const [text, setText] = useState(message.text);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const ref = useRef<HTMLTextAreaElement>(null);
  const stop = useCompose((s) => s.stopEdit);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.focus();
    el.setSelectionRange(el.value.length, el.value.length);
  }, []);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.style.height = 'auto';
    el.style.height = `${Math.min(el.scrollHeight, 240)}px`;
  }, [text]);

  const save = async () => {
    const next = text.replace(/\s+$/, '');
    if (next === message.text) return stop();
    if (!next.trim()) return setError('A message cannot be empty. Delete it instead.');
    if (textLength(next) > MAX_TEXT_CHARS) return setError(`Messages can be at most ${MAX_TEXT_CHARS.toLocaleString()} characters.`);
    setBusy(true);
    try {
      await editMessage(message.id, next);
      stop();
    } catch (err) {
      setError(err instanceof RequestError ? err.message : 'Could not save the change.');
      setBusy(false);
    }
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      stop();
    } else if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void save();
    }
  };

  return (
    <div className="msg-editor">
      <textarea ref={ref} aria-label="Edit message" value={text} rows={1} onChange={(e) => setText(e.target.value)} onKeyDown={onKeyDown} />
      <div className="msg-editor-foot">
        <span className="muted small-text">
          Esc to <button type="button" className="link-button" onClick={stop}>cancel</button> · Enter to{' '}
          <button type="button" className="link-button" disabled={busy} onClick={() => void save()}>
            save
          </button>
        </span>
        {error && (
          <span className="error small-text" role="alert">
            {error}
          </span>
        )}
      </div>
    </div>
  );
}
