/** Start a direct message with one person or a small group (up to 7 others), picked from everyone. */
import { type FormEvent, useEffect, useMemo, useState } from 'react';

import { Dialog, DialogActions } from '@/components/ui/dialog';
import { loadAllUsers, useChat } from '@/features/chat';
import { openDm } from '@/features/dms/api/dms';
import { DM_MAX_OTHERS } from '@/lib/protocol';
import { RequestError } from '@/lib/request-error';

export function NewDmDialog({ onClose, initial = [] }: { onClose: () => void; initial?: number[] }) {
  useEffect(() => void loadAllUsers(), []); // a big host's welcome did not list everyone
  const users = useChat((s) => s.users);
  const me = useChat((s) => s.me);
  const [picked, setPicked] = useState<number[]>(initial);
  const [filter, setFilter] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const people = useMemo(
    () =>
      Object.values(users)
        .filter((u) => u.id !== me && u.name.toLowerCase().includes(filter.trim().toLowerCase()))
        .sort((a, b) => Number(!!b.online) - Number(!!a.online) || a.name.localeCompare(b.name)),
    [users, me, filter],
  );
  const full = picked.length >= DM_MAX_OTHERS;

  const toggle = (id: number) =>
    setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : p.length >= DM_MAX_OTHERS ? p : [...p, id]));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (picked.length === 0) return;
    setBusy(true);
    setError(null);
    try {
      await openDm(picked);
      onClose();
    } catch (err) {
      setError(err instanceof RequestError ? err.message : 'Could not start the conversation.');
      setBusy(false);
    }
  };

  return (
    <Dialog title="New direct message" onClose={onClose}>
      <form className="stack" onSubmit={submit}>
        <input
          type="search"
          aria-label="Find people"
          placeholder="Find people"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
        />
        <p className="muted small-text">
          Pick one person, or up to {DM_MAX_OTHERS} for a group. Only the people in it can read it.
        </p>
        <ul className="pick-list" aria-label="People">
          {people.length === 0 && <li className="muted">Nobody else has joined this host yet.</li>}
          {people.map((u) => {
            const on = picked.includes(u.id);
            return (
              <li key={u.id}>
                <label className={on ? 'picked' : undefined}>
                  <input type="checkbox" checked={on} disabled={!on && full} onChange={() => toggle(u.id)} />
                  <span className={`dot${u.online ? ' on' : ''}`} aria-hidden="true" />
                  <span className="peer-name">{u.name}</span>
                </label>
              </li>
            );
          })}
        </ul>
        <DialogActions error={error} onCancel={onClose}>
          <button type="submit" className="primary" disabled={picked.length === 0 || busy}>
            {picked.length > 1 ? `Start group (${picked.length + 1})` : 'Start'}
          </button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
