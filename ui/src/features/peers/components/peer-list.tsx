/** Who is in the open room, online first. */
import { useChat } from '@/stores/chat-store';

const NO_IDS: number[] = [];

export function PeerList({ roomId }: { roomId: number }) {
  const ids = useChat((s) => s.members[roomId] ?? NO_IDS);
  const users = useChat((s) => s.users);
  const me = useChat((s) => s.me);
  const people = ids
    .map((id) => users[id])
    .filter((u) => u !== undefined)
    .sort((a, b) => Number(!!b.online) - Number(!!a.online) || a.name.localeCompare(b.name));
  const online = people.filter((u) => u.online).length;

  return (
    <aside className="peers" aria-label="People in this room">
      <h2>
        People <span className="muted">{online} online</span>
      </h2>
      <ul>
        {people.map((u) => (
          <li key={u.id} className={u.online ? 'online' : 'offline'}>
            <span className="dot" aria-hidden="true" />
            <span className="peer-name">
              {u.name}
              {u.id === me && ' (you)'}
              {u.is_host && <span className="tag">host</span>}
            </span>
            <span className="sr-only">{u.online ? 'online' : 'offline'}</span>
          </li>
        ))}
      </ul>
    </aside>
  );
}
