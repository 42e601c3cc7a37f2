import { memo, useCallback, useState } from 'react';

import { Avatar } from '@/components/ui/avatar';

import { discardMessage, retryMessage } from '@/features/chat/api/messages';
import { useChat } from '@/features/chat/stores/chat-store';
import { AttachmentList, SendingUploads } from '@/features/files';
import type { MentionName } from '@/features/mentions';
import { react, ReactionChips } from '@/features/reactions';
import { timeLabel } from '@/lib/format';
import { SNIPPET_CHARS, type WireMessage } from '@/lib/protocol';
import { RequestError } from '@/lib/request-error';
import { useCompose } from '@/stores/compose-store';
import type { OutboxEntry } from '@/stores/outbox-store';
import { useSession } from '@/stores/session-store';

import { DeleteDialog } from './delete-dialog';
import { MessageActions } from './message-actions';
import { MessageBody } from './message-body';
import { MessageEditor } from './message-editor';
import { QuoteLine } from './quote-line';

type Props = { message: WireMessage; own: boolean; grouped: boolean };

const SEP = '\u0000';

/** One message: quote, header, text (or tombstone / editor), reactions, hover actions. */
export const MessageItem = memo(function MessageItem({ message, own, grouped }: Props) {
  const me = useChat((s) => s.me);
  const isHost = useSession((s) => (s.user?.is_host || s.user?.admin) ?? false); // an admin moderates too
  const editing = useCompose((s) => s.editing?.messageId === message.id);
  const flash = useChat((s) => (s.flash?.messageId === message.id ? s.flash.seq : 0));
  // The author as they are called now (names change: user_updated); the message's own copy of
  // the name for someone this client does not know.
  const authorName = useChat((s) => s.users[message.author.id]?.name ?? message.author.name);
  const botAvatar = useChat((s) => s.users[message.author.id]?.avatar);
  // Names of the people mentioned, as one string so presence changes do not re-render every item.
  const mentionKey = useChat((s) => message.mentions.map((id) => `${id === s.me ? 1 : 0}${s.users[id]?.name ?? ''}`).join(SEP));
  const [deleting, setDeleting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const mentionsMe = me !== null && message.mentions.includes(me) && !own;

  const mentions: MentionName[] = mentionKey
    ? mentionKey
        .split(SEP)
        .filter((k) => k.length > 1)
        .map((k) => ({ me: k[0] === '1', name: k.slice(1) }))
    : [];

  const toggle = useCallback(
    (emoji: string, on: boolean) => {
      setError(null);
      react(message.id, emoji, on).catch((err: unknown) =>
        setError(err instanceof RequestError ? err.message : 'Could not react.'),
      );
    },
    [message.id],
  );
  const onQuickReact = (emoji: string) => toggle(emoji, !message.reactions.some((r) => r.emoji === emoji && me !== null && r.user_ids.includes(me)));
  const reply = () =>
    useCompose.getState().startReply(message.room_id, {
      id: message.id,
      author: message.author,
      snippet: message.text.slice(0, SNIPPET_CHARS),
      deleted: false,
    });

  const classes = ['msg'];
  if (own) classes.push('own');
  if (grouped) classes.push('grouped');
  if (message.deleted) classes.push('deleted');
  if (mentionsMe) classes.push('mentions-me');
  if (flash) classes.push('flash');
  if (editing) classes.push('editing');

  const edited = message.edited_at && !message.deleted && (
    <span className="edited" title={`Edited ${new Date(message.edited_at).toLocaleString()}`}>
      (edited)
    </span>
  );

  return (
    <article className={classes.join(' ')} data-id={message.id} key={flash || undefined}>
      {message.reply_to && <QuoteLine quote={message.reply_to} roomId={message.room_id} />}
      {!grouped && (
        <header className="msg-meta">
          <Avatar user={{ id: message.author.id, name: authorName, bot: message.author.bot, avatar: botAvatar }} />
          <span className="author">{own ? `${authorName} (you)` : authorName}</span>
          {message.author.bot && (
            <span className="tag bot-tag" title="A bot: posted by a script or a webhook">
              BOT
            </span>
          )}
          <time dateTime={message.created_at}>{timeLabel(message.created_at)}</time>
          {edited}
        </header>
      )}
      {message.deleted ? (
        <p className="tombstone">This message was deleted.</p>
      ) : editing ? (
        <MessageEditor message={message} />
      ) : (
        <>
          <MessageBody text={message.text} mentions={mentions} />
          {grouped && edited}
        </>
      )}
      {grouped && (
        // A grouped line has no header: its time shows on hover and focus, and is always in the
        // text for screen readers.
        <time className="grouped-time" dateTime={message.created_at} title={new Date(message.created_at).toLocaleString()}>
          {timeLabel(message.created_at)}
        </time>
      )}
      {!message.deleted && <AttachmentList files={message.attachments} />}
      {!message.deleted && <ReactionChips reactions={message.reactions} onToggle={toggle} />}
      {error && (
        <p className="error small-text" role="alert">
          {error}
        </p>
      )}
      {!message.deleted && !editing && (
        <MessageActions
          canEdit={own}
          canDelete={own || isHost}
          onReact={onQuickReact}
          onReply={reply}
          onEdit={() => useCompose.getState().startEdit(message.room_id, message.id)}
          onDelete={() => setDeleting(true)}
        />
      )}
      {deleting && <DeleteDialog message={message} onClose={() => setDeleting(false)} />}
    </article>
  );
});

export const PendingItem = memo(function PendingItem({ entry, name, me }: { entry: OutboxEntry; name: string; me: number | null }) {
  return (
    <article className={`msg own pending${entry.state === 'failed' ? ' failed' : ''}`}>
      {entry.reply_to && <QuoteLine quote={entry.reply_to} roomId={entry.room_id} />}
      <header className="msg-meta">
        {me !== null && <Avatar user={{ id: me, name }} />}
        <span className="author">{name} (you)</span>
        <time dateTime={entry.created_at}>{timeLabel(entry.created_at)}</time>
      </header>
      {entry.text && <MessageBody text={entry.text} />}
      {entry.attachments?.length ? <AttachmentList files={entry.attachments} /> : null}
      <SendingUploads clientId={entry.client_id} />
      {entry.state === 'sending' ? (
        <span className="msg-status" role="status">
          {entry.waiting?.length ? 'Sending when the upload finishes…' : 'Sending…'}
        </span>
      ) : (
        <span className="msg-status failed-status" role="alert">
          Not sent{entry.error ? `: ${entry.error}` : ''}{' '}
          <button type="button" className="link-button" onClick={() => retryMessage(entry.client_id)}>
            Retry
          </button>{' '}
          <button type="button" className="link-button" onClick={() => discardMessage(entry.client_id)}>
            Discard
          </button>
        </span>
      )}
    </article>
  );
});
