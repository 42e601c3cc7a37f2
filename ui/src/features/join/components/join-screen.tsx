/** First visit from a device: a display name and the host's join code. */
import { type FormEvent, useState } from 'react';

import { useServerInfo } from '@/features/join/hooks/use-server-info';
import { useSession } from '@/stores/session-store';
import { connectToHost } from '@/stores/sync';

export function JoinScreen() {
  const info = useServerInfo();
  const inviteCode = useSession((s) => s.inviteCode);
  const joinError = useSession((s) => s.joinError);
  const connecting = useSession((s) => s.status === 'connecting' && s.pendingJoin !== null);
  const [name, setName] = useState('');
  const [code, setCode] = useState(inviteCode);
  const needsCode = info?.needs_code ?? true;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim()) return;
    useSession.getState().beginJoin(name, needsCode ? code : '');
    connectToHost();
  };

  return (
    <main className="join">
      <form className="join-card" onSubmit={submit} aria-labelledby="join-title">
        <h1 id="join-title">Parley</h1>
        <p className="muted">{info ? `Join ${info.name}` : 'Join this host'}</p>
        <label htmlFor="join-name">Your name</label>
        <input
          id="join-name"
          autoFocus
          autoComplete="nickname"
          maxLength={32}
          value={name}
          onChange={(e) => setName(e.target.value)}
          required
        />
        {needsCode && (
          <>
            <label htmlFor="join-code">Join code</label>
            <input
              id="join-code"
              autoComplete="off"
              inputMode="text"
              spellCheck={false}
              value={code}
              onChange={(e) => setCode(e.target.value)}
            />
          </>
        )}
        {joinError && (
          <p className="error" role="alert">
            {joinError}
          </p>
        )}
        <button type="submit" className="primary" disabled={connecting}>
          {connecting ? 'Joining…' : 'Join'}
        </button>
      </form>
    </main>
  );
}
