/**
 * Your own avatar and name in the top bar: opens your profile. On the desktop window's first run
 * it asks the host person's name instead (HostNameDialog), once per launch until they save one.
 */
import { useEffect, useState } from 'react';

import { Avatar } from '@/components/ui/avatar';
import { useChat } from '@/features/chat';
import { desktopApi } from '@/features/desktop';
import { useSession } from '@/stores/session-store';

import { useAutoAway } from '../hooks/use-auto-away';
import { STATUS_LABELS, statusOf } from '../lib/status';
import { HostNameDialog } from './host-name-dialog';
import { ProfileDialog } from './profile-dialog';

export function MeButton() {
  const session = useSession((s) => s.user);
  const suggestion = useSession((s) => s.nameSuggestion);
  const me = useChat((s) => (session ? s.users[session.id] : undefined)) ?? session;
  const [open, setOpen] = useState(false);
  const [asking, setAsking] = useState(false);
  const [asked, setAsked] = useState(false);
  useAutoAway();

  // Only the desktop window asks: a browser signed in as the host (an admin link, a test) is
  // not the app's first run.
  useEffect(() => {
    if (!suggestion || asked) return;
    let live = true;
    void desktopApi().then((api) => {
      if (live && api) {
        setAsked(true);
        setAsking(true);
      }
    });
    return () => {
      live = false;
    };
  }, [suggestion, asked]);

  if (!me) return null;
  const status = statusOf(me);
  return (
    <>
      <button
        type="button"
        className="me-button"
        aria-label={`Your profile: ${me.name}, ${STATUS_LABELS[status]}`}
        title="Your profile"
        onClick={() => setOpen(true)}
      >
        <span className={`avatar-wrap status-${status}`} aria-hidden="true">
          <Avatar user={me} />
          <span className="status-badge" />
        </span>
        <span className="me-name">{me.name}</span>
      </button>
      {open && <ProfileDialog onClose={() => setOpen(false)} />}
      {asking && suggestion && !open && <HostNameDialog suggestion={suggestion} onClose={() => setAsking(false)} />}
    </>
  );
}
