/**
 * The desktop app's first run: "What should people here call you?", filled in with the OS
 * account's full name (welcome `name_suggestion`, which only the host's own user receives). The
 * person at the host gets a name of their own, not the machine's. Shown in the desktop window
 * only; closing it without saving asks again next time.
 */
import './profile.css';

import { type FormEvent, useState } from 'react';

import { Dialog } from '@/components/ui/dialog';
import { MAX_NAME_CHARS } from '@/lib/protocol';
import { RequestError } from '@/lib/request-error';
import { useSession } from '@/stores/session-store';

import { saveName } from '../api/profile';

export function HostNameDialog({ suggestion, onClose }: { suggestion: string; onClose: () => void }) {
  const [name, setName] = useState(suggestion);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await saveName(name);
      useSession.setState({ nameSuggestion: null });
      onClose();
    } catch (err) {
      setError(err instanceof RequestError ? err.message : 'Could not save your name.');
      setBusy(false);
    }
  };
  return (
    <Dialog title="Welcome to Parley" onClose={onClose}>
      <form className="profile-form" onSubmit={(e) => void submit(e)}>
        <label htmlFor="host-person-name">What should people here call you?</label>
        <input
          id="host-person-name"
          value={name}
          maxLength={MAX_NAME_CHARS}
          autoComplete="name"
          onChange={(e) => setName(e.target.value)}
        />
        <p className="muted small-text">This is your name in the chat, not the computer’s. You can change it any time.</p>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <div className="row-end">
          <button type="button" onClick={onClose}>
            Later
          </button>
          <button type="submit" className="primary" disabled={busy || !name.trim()}>
            Save
          </button>
        </div>
      </form>
    </Dialog>
  );
}
