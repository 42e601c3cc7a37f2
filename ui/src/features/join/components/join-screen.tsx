/** First visit from a device: a display name and the host's join code. */
import { type FormEvent, useState } from 'react';

import { connectToHost } from '@/features/connection';
import { checkFingerprint, HostIdentity, tlsOf } from '@/features/encryption';
import { useServerInfo } from '@/features/join/hooks/use-server-info';
import { connectFailureText } from '@/lib/connect-failure';
import { useSession } from '@/stores/session-store';

export function JoinScreen() {
  const { info, failure: infoFailure } = useServerInfo();
  const inviteCode = useSession((s) => s.inviteCode);
  const linkFingerprint = useSession((s) => s.inviteFingerprint);
  const joinError = useSession((s) => s.joinError);
  const connectFailure = useSession((s) => s.connectFailure);
  // Until the host welcomes or refuses us (a failed first attempt counts as "reconnecting").
  const connecting = useSession((s) => s.pendingJoin !== null && s.status !== 'idle');
  const [attempted, setAttempted] = useState(false);
  const [name, setName] = useState('');
  const [code, setCode] = useState(inviteCode);
  const needsCode = info?.needs_code ?? true;
  // The join attempt's own answer wins; before any attempt, what loading the host's info said.
  const failure = connectFailure ?? (attempted ? null : infoFailure);
  const problem = joinError ?? (failure ? connectFailureText(failure) : null);
  const tls = info ? tlsOf(info) : null;
  const check = tls ? checkFingerprint(linkFingerprint, tls.fingerprint) : 'none';
  // Another key than the invite link's: nothing is sent to this host (no name, no code); and
  // nothing either until the host has said which key it has.
  const checking = linkFingerprint !== '' && !info && !infoFailure;
  const stopped = check === 'mismatch' || checking;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!name.trim() || stopped) return;
    setAttempted(true);
    useSession.getState().beginJoin(name, needsCode ? code : '');
    connectToHost();
  };

  return (
    <main className="join">
      <form className="join-card" onSubmit={submit} aria-labelledby="join-title">
        <h1 id="join-title">Parley</h1>
        <p className="muted">{info ? `Join ${info.name}` : 'Join this host'}</p>
        {tls && (
          <HostIdentity tls={tls} linkFingerprint={linkFingerprint} check={check} secure={window.location.protocol === 'https:'} />
        )}
        {checking && (
          <p className="muted" role="status">
            Checking the host’s key…
          </p>
        )}
        {!stopped && (
          <>
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
            {problem && (
              <p className="error" role="alert">
                {problem}
              </p>
            )}
            <button type="submit" className="primary" disabled={connecting}>
              {connecting ? 'Joining…' : 'Join'}
            </button>
          </>
        )}
      </form>
    </main>
  );
}
