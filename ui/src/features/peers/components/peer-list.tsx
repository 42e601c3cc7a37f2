/**
 * Who is in the open room, online first, each with "Message" (a direct message with them); and
 * "New group message" to pick several.
 */
import { useState } from 'react';

import { useChat } from '@/features/chat';
import { NewDmDialog, openDm } from '@/features/dms';
import { RequestError } from '@/lib/request-error';
import { useSession } from '@/stores/session-store';

const NO_IDS: number[] = [];

export function PeerList({ roomId }: { roomId: number }) {
  const ids = useChat((s) => s.members[roomId] ?? NO_IDS);
  const users = useChat((s) => s.users);
  const me = useChat((s) => s.me);
  // Disconnected, we cannot know who is online: everyone shows as unknown, not as they last were.
  const known = useSession((s) => s.status === 'connected');
  const [grouping, setGrouping] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const people = ids
    .map((id) => users[id])
    .filter((u) => u !== undefined)
    .sort((a, b) => (known ? Number(!!b.online) - Number(!!a.online) : 0) || a.name.localeCompare(b.name));
  const online = people.filter((u) => u.online).length;
  const presence = (u: { online?: boolean }) => (!known ? 'unknown' : u.online ? 'online' : 'offline');

  const message = async (userId: number) => {
    setError(null);
    try {
      await openDm([userId]);
    } catch (err) {
      setError(err instanceof RequestError ? err.message : 'Could not open the conversation.');
    }
  };

  return (
    <aside className="peers" aria-label="People in this room">
      <h2>
        People <span className="muted">{known ? `${online} online` : 'status unknown'}</span>
      </h2>
      <ul>
        {people.map((u) => (
          <li key={u.id} className={presence(u)}>
            <span className="dot" aria-hidden="true" />
            <span className="peer-name">
              {u.name}
              {u.id === me && ' (you)'}
              {u.is_host ? <span className="tag">host</span> : u.admin && <span className="tag">admin</span>}
            </span>
            {/* Beside the name, not in it: a long name is cut short, the badge never. */}
            {u.bot && <span className="tag bot-tag">BOT</span>}
            <span className="sr-only">{presence(u) === 'unknown' ? 'status unknown' : presence(u)}</span>
            {u.id !== me && (
              <button
                type="button"
                className="small peer-message"
                aria-label={`Message ${u.name}`}
                title={`Message ${u.name}`}
                onClick={() => void message(u.id)}
              >
                Message
              </button>
            )}
          </li>
        ))}
      </ul>
      {error && (
        <p className="error small-text" role="alert">
          {error}
        </p>
      )}
      <button type="button" className="small peers-group" onClick={() => setGrouping(true)}>
        New group message
      </button>
      {grouping && <NewDmDialog onClose={() => setGrouping(false)} />}
    </aside>
  );
}
