/**
 * People, in the host settings: who is an admin (the host person makes others admins and takes
 * it back; the host person always is one), and a one-time recovery link an admin can make for
 * someone who lost every device (the host logs who made it).
 */
import '@/features/admin/components/admin.css';

import { useEffect, useState } from 'react';

import { Dialog } from '@/components/ui/dialog';

import { loadAllUsers, useChat } from '@/features/chat';
import { createRecoveryLink, setAdmin, SignInLink } from '@/features/devices';
import type { RecoveryLinkResult, WireUser } from '@/lib/protocol';
import { RequestError } from '@/lib/request-error';
import { useSession } from '@/stores/session-store';

function text(err: unknown): string {
  return err instanceof RequestError ? err.message : 'The host did not accept that.';
}

function PersonRow({ person, iAmHost, me }: { person: WireUser; iAmHost: boolean; me: number | null }) {
  const [link, setLink] = useState<RecoveryLinkResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const admin = person.is_host || person.admin === true;
  // The host person's own way in is the host machine (its window, its console link); an admin's
  // recovery is the host person's to give.
  const canRecover = !person.is_host && (iAmHost || !person.admin) && person.id !== me;
  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    try {
      await fn();
      setError(null);
    } catch (err) {
      setError(text(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <li className="person-row" aria-label={person.name}>
      <div className="person-head">
        <span className="device-name">
          {person.name}
          {person.is_host ? <span className="tag">host</span> : admin && <span className="tag">admin</span>}
        </span>
        <span className="row person-actions">
          {iAmHost && !person.is_host && (
            <button
              type="button"
              className="small"
              disabled={busy}
              aria-label={admin ? `Remove admin (${person.name})` : `Make admin (${person.name})`}
              onClick={() => void run(async () => void (await setAdmin(person.id, !admin)))}
            >
              {admin ? 'Remove admin' : 'Make admin'}
            </button>
          )}
          {canRecover && (
            <button
              type="button"
              className="small"
              disabled={busy}
              aria-label={`Recovery link for ${person.name}`}
              onClick={() => void run(async () => setLink(await createRecoveryLink(person.id)))}
            >
              Recovery link
            </button>
          )}
        </span>
      </div>
      {error && (
        <p className="error small-text" role="alert">
          {error}
        </p>
      )}
      {link && <SignInLink link={link} who={person.name} />}
    </li>
  );
}

export function PeopleSection() {
  useEffect(() => void loadAllUsers(), []); // a big host's welcome did not list everyone
  const users = useChat((s) => s.users);
  const me = useChat((s) => s.me);
  const iAmHost = useSession((s) => s.user?.is_host ?? false);
  const people = Object.values(users)
    .filter((u) => !u.bot)
    .sort((a, b) => a.name.localeCompare(b.name));
  return (
    <section className="admin-section" aria-label="People">
      <p className="muted small-text">
        Admins get the host settings, the invite, bots and backups in any browser.
        {iAmHost ? ' Only you, the host person, make or remove admins.' : ''} A recovery link signs someone who lost every
        device back in, once.
      </p>
      <ul className="device-list">
        {people.map((u) => (
          <PersonRow key={u.id} person={u} iAmHost={iAmHost} me={me} />
        ))}
      </ul>
    </section>
  );
}

/** The section as its own dialog (admins open it from under the room list). */
export function PeopleDialog({ onClose }: { onClose: () => void }) {
  return (
    <Dialog title="People and admins" onClose={onClose} wide>
      <div className="admin">
        <PeopleSection />
      </div>
    </Dialog>
  );
}
