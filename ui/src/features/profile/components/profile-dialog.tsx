/**
 * Your own profile (a click on your name or avatar in the top bar): your display name, your status
 * and its short text, and "Sign out of this device". Saving sends only what changed; everyone
 * sees the result at once (user_updated).
 */
import './profile.css';

import { type FormEvent, useState } from 'react';

import { Avatar } from '@/components/ui/avatar';
import { Dialog } from '@/components/ui/dialog';
import { useChat } from '@/features/chat';
import { signOutOfThisDevice } from '@/features/connection';
import { MAX_NAME_CHARS, MAX_STATUS_TEXT_CHARS, type UserStatus } from '@/lib/protocol';
import { RequestError } from '@/lib/request-error';
import { useSession } from '@/stores/session-store';

import { saveName, saveStatus } from '../api/profile';
import { STATUS_LABELS, statusOf } from '../lib/status';

const STATUSES: UserStatus[] = ['available', 'away', 'dnd'];

function problem(err: unknown, fallback: string): string {
  return err instanceof RequestError ? err.message : fallback;
}

export function ProfileDialog({ onClose }: { onClose: () => void }) {
  const session = useSession((s) => s.user);
  const hostWindow = useSession((s) => s.hostWindow);
  const me = useChat((s) => (session ? s.users[session.id] : undefined)) ?? session;
  const [name, setName] = useState(me?.name ?? '');
  const [status, setStatus] = useState<UserStatus>(me ? statusOf(me) : 'available');
  const [text, setText] = useState(me?.status_text ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  if (!me) return null;

  const nameChanged = name.trim() !== me.name;
  const statusChanged = status !== statusOf(me) || text.trim() !== (me.status_text ?? '') || (me.status_auto ?? false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setSaved(false);
    setBusy(true);
    try {
      if (nameChanged) await saveName(name);
      if (statusChanged) await saveStatus(status, text);
      setSaved(true);
    } catch (err) {
      setError(problem(err, 'Could not save your profile.'));
    } finally {
      setBusy(false);
    }
  };
  const signOut = async () => {
    setError(null);
    setBusy(true);
    try {
      await signOutOfThisDevice(); // the join screen replaces everything, this dialog too
    } catch (err) {
      setError(problem(err, 'Could not sign out.'));
      setBusy(false);
    }
  };

  return (
    <Dialog title="Your profile" onClose={onClose}>
      <form className="profile-form" onSubmit={(e) => void submit(e)}>
        <div className="profile-who">
          <Avatar user={{ ...me, name: name.trim() || me.name }} size="lg" />
          <div className="profile-field">
            <label htmlFor="profile-name">Display name</label>
            <input
              id="profile-name"
              value={name}
              maxLength={MAX_NAME_CHARS}
              autoComplete="nickname"
              onChange={(e) => setName(e.target.value)}
            />
          </div>
        </div>
        <fieldset className="profile-status">
          <legend>Status</legend>
          {STATUSES.map((s) => (
            <label key={s} className={`status-choice status-${s}`}>
              <input type="radio" name="status" value={s} checked={status === s} onChange={() => setStatus(s)} />
              <span className="status-dot" aria-hidden="true" />
              {STATUS_LABELS[s]}
            </label>
          ))}
          <label htmlFor="profile-status-text">Status message</label>
          <input
            id="profile-status-text"
            value={text}
            maxLength={MAX_STATUS_TEXT_CHARS}
            placeholder="e.g. In a meeting until 3"
            onChange={(e) => setText(e.target.value)}
          />
        </fieldset>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        {saved && !error && (
          <p className="profile-ok small-text" role="status">
            Saved. Everyone sees it now.
          </p>
        )}
        <div className="row-end">
          <button type="button" onClick={onClose}>
            Done
          </button>
          <button type="submit" className="primary" disabled={busy || !name.trim() || (!nameChanged && !statusChanged)}>
            Save
          </button>
        </div>
      </form>
      {!hostWindow && (
        <div className="profile-signout">
          <p className="muted small-text">This browser forgets you; join again with a name to come back.</p>
          <button type="button" className="signout" disabled={busy} onClick={() => void signOut()}>
            Sign out of this device
          </button>
        </div>
      )}
    </Dialog>
  );
}
