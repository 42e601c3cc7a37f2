import { memo } from 'react';

import { timeLabel } from '@/lib/format';
import type { WireMessage } from '@/lib/protocol';
import type { OutboxEntry } from '@/stores/outbox-store';
import { discardMessage, retryMessage } from '@/stores/sync';

import { MessageBody } from './message-body';

type Props = { message: WireMessage; own: boolean; grouped: boolean };

export const MessageItem = memo(function MessageItem({ message, own, grouped }: Props) {
  return (
    <article className={`msg${own ? ' own' : ''}${grouped ? ' grouped' : ''}`} data-id={message.id}>
      {!grouped && (
        <header className="msg-meta">
          <span className="author">{own ? `${message.author.name} (you)` : message.author.name}</span>
          <time dateTime={message.created_at}>{timeLabel(message.created_at)}</time>
        </header>
      )}
      <MessageBody text={message.text} />
      {own && (
        <span className="msg-status sent" title="Sent">
          ✓ Sent
        </span>
      )}
    </article>
  );
});

export const PendingItem = memo(function PendingItem({ entry, name }: { entry: OutboxEntry; name: string }) {
  return (
    <article className={`msg own pending${entry.state === 'failed' ? ' failed' : ''}`}>
      <header className="msg-meta">
        <span className="author">{name} (you)</span>
        <time dateTime={entry.created_at}>{timeLabel(entry.created_at)}</time>
      </header>
      <MessageBody text={entry.text} />
      {entry.state === 'sending' ? (
        <span className="msg-status">Sending…</span>
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
