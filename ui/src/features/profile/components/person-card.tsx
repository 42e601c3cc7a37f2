/**
 * Someone's profile, in a popover from the people list: avatar, name, status and its text (all
 * shown as text), and "Message" for someone else.
 */
import './profile.css';

import { Avatar } from '@/components/ui/avatar';
import { Popover } from '@/components/ui/popover';
import type { WireUser } from '@/lib/protocol';

import { STATUS_LABELS, statusOf } from '../lib/status';

type Props = {
  user: WireUser;
  anchor: HTMLElement | null;
  me: boolean;
  onClose: () => void;
  onMessage?: () => void;
  onEdit?: () => void;
};

export function PersonCard({ user, anchor, me, onClose, onMessage, onEdit }: Props) {
  const status = statusOf(user);
  return (
    <Popover anchor={anchor} onClose={onClose} className="person-card" label={`${user.name}’s profile`}>
      <div className="person-card-head">
        <Avatar user={user} size="lg" />
        <div>
          <p className="person-card-name">
            {user.name}
            {me && ' (you)'}
          </p>
          <p className={`person-card-status status-${status}`}>
            <span className="status-dot" aria-hidden="true" />
            {user.online === false ? 'Offline' : STATUS_LABELS[status]}
            {user.is_host && <span className="tag">host</span>}
            {user.bot && <span className="tag bot-tag">BOT</span>}
          </p>
        </div>
      </div>
      {user.status_text && <p className="person-card-text">{user.status_text}</p>}
      <div className="row-end">
        {onMessage && (
          <button type="button" className="small" onClick={onMessage}>
            Message
          </button>
        )}
        {onEdit && (
          <button type="button" className="small" onClick={onEdit}>
            Edit your profile
          </button>
        )}
      </div>
    </Popover>
  );
}
