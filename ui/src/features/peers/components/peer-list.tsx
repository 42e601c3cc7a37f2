/**
 * Who is in the open room, each with their avatar, status and "Message" (a direct message with
 * them); a click on a person shows their profile card; and "New group message" to pick several.
 *
 * On a small host we hear everyone's presence: online first, and "N online" counted here. On a
 * big host (issue 17) we hear only the people we show: the rows in or near view are named to the
 * host first (presence-watch.ts), so every dot a person can see is true, and the host counts the
 * room's online members for the heading. Online-first would sort on dots of people we do not
 * hear of, and rows would jump as the dots in view turn true: there, by name alone. A direct
 * message's members are watched (its partners) wherever we are: counted and sorted here.
 */
import { memo, useCallback, useMemo, useRef, useState } from 'react';

import { Avatar } from '@/components/ui/avatar';
import { showInPanel, useChat, usersComplete } from '@/features/chat';
import { NewDmDialog, openDm } from '@/features/dms';
import { PersonCard, ProfileDialog, STATUS_LABELS, statusLine, statusOf } from '@/features/profile';
import type { WireUser } from '@/lib/protocol';
import { RequestError } from '@/lib/request-error';
import { useSession } from '@/stores/session-store';

import { useRowsInView } from '../hooks/use-rows-in-view';

const NO_IDS: number[] = [];
const byName = new Intl.Collator().compare;

type Presence = 'online' | 'offline' | 'unknown';

export function PeerList({ roomId }: { roomId: number }) {
  const ids = useChat((s) => s.members[roomId] ?? NO_IDS);
  const counted = useChat((s) => (s.roomOnline?.room_id === roomId ? s.roomOnline.online : null));
  const users = useChat((s) => s.users);
  const me = useChat((s) => s.me);
  // Disconnected, we cannot know who is online: everyone shows as unknown, not as they last were.
  const known = useSession((s) => s.status === 'connected');
  const [grouping, setGrouping] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [card, setCard] = useState<{ id: number; anchor: HTMLElement } | null>(null);
  const [editing, setEditing] = useState(false);
  const isDm = useChat((s) => s.rooms[roomId]?.kind === 'dm');
  // A small host: we hear everyone's presence; a DM: we hear its members' on any host.
  const everyone = usersComplete() || isDm;
  const people = useMemo(
    () =>
      ids
        .map((id) => users[id])
        .filter((u) => u !== undefined)
        .sort((a, b) => (known && everyone ? Number(!!b.online) - Number(!!a.online) : 0) || byName(a.name, b.name)),
    [ids, users, known, everyone],
  );
  const order = useMemo(() => people.map((u) => u.id), [people]);
  const online = everyone ? people.filter((u) => u.online).length : counted;
  const panel = useRef<HTMLElement>(null);
  useRowsInView(panel, order, showInPanel);

  const message = useCallback(async (userId: number) => {
    setError(null);
    setCard(null);
    try {
      await openDm([userId]);
    } catch (err) {
      setError(err instanceof RequestError ? err.message : 'Could not open the conversation.');
    }
  }, []);
  const open = useCallback((id: number, anchor: HTMLElement) => setCard((c) => (c?.id === id ? null : { id, anchor })), []);
  const shown = card ? users[card.id] : undefined;

  return (
    <aside className="peers" aria-label="People in this room" ref={panel}>
      <h2>
        People <span className="muted">{!known ? 'status unknown' : online === null ? '' : `${online} online`}</span>
      </h2>
      <ul>
        {/* Rows are memoized: a presence window re-renders the rows whose person changed, not
            every row of a room of thousands. */}
        {people.map((u) => (
          <PeerRow
            key={u.id}
            user={u}
            presence={!known ? 'unknown' : u.online ? 'online' : 'offline'}
            mine={u.id === me}
            expanded={card?.id === u.id}
            onOpen={open}
            onMessage={message}
          />
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
      {card && shown && (
        <PersonCard
          user={known ? shown : { ...shown, online: undefined }}
          anchor={card.anchor}
          me={shown.id === me}
          onClose={() => setCard(null)}
          onMessage={shown.id !== me ? () => void message(shown.id) : undefined}
          onEdit={
            shown.id === me
              ? () => {
                  setCard(null);
                  setEditing(true);
                }
              : undefined
          }
        />
      )}
      {editing && <ProfileDialog onClose={() => setEditing(false)} />}
    </aside>
  );
}

type RowProps = {
  user: WireUser;
  presence: Presence;
  mine: boolean;
  expanded: boolean;
  onOpen: (id: number, anchor: HTMLElement) => void;
  onMessage: (id: number) => Promise<void>;
};

const PeerRow = memo(function PeerRow({ user: u, presence, mine, expanded, onOpen, onMessage }: RowProps) {
  const line = statusLine(u);
  const status = statusOf(u);
  // What a screen reader hears after the name: online or not, and a status other than available.
  const said = presence === 'unknown' ? 'status unknown' : presence === 'online' && status !== 'available' ? `online, ${STATUS_LABELS[status]}` : presence;
  return (
    <li data-id={u.id} className={`${presence} status-${status}`}>
      <button type="button" className="peer-who" aria-haspopup="dialog" aria-expanded={expanded} onClick={(e) => onOpen(u.id, e.currentTarget)}>
        <span className="avatar-wrap">
          <Avatar user={u} />
          <span className="dot" aria-hidden="true" />
        </span>
        <span className="peer-lines">
          <span className="peer-name">
            {u.name}
            {mine && ' (you)'}
            {u.is_host ? <span className="tag">host</span> : u.admin && <span className="tag">admin</span>}
          </span>
          {line && <span className="peer-status">{line}</span>}
        </span>
        <span className="sr-only">{said}</span>
      </button>
      {/* Beside the name, not in it: a long name is cut short, the badge never. */}
      {u.bot && <span className="tag bot-tag">BOT</span>}
      {!mine && (
        <button type="button" className="small peer-message" aria-label={`Message ${u.name}`} title={`Message ${u.name}`} onClick={() => void onMessage(u.id)}>
          Message
        </button>
      )}
    </li>
  );
});
