import { OWNER_KEY_REFUSED, REFUSAL_TEXT, SIGNED_OUT_TEXT, useSession } from '@/stores/session-store';

const TOKEN = 'parley:token';

function fresh(patch: Partial<ReturnType<typeof useSession.getState>> = {}) {
  useSession.setState({
    token: null,
    ownerKey: null,
    linkSecret: null,
    tried: null,
    pendingJoin: null,
    user: null,
    status: 'idle',
    joinError: null,
    connectFailure: null,
    ...patch,
  });
}

/** A device that signed in before: its token is in storage and in the store. */
function signedIn() {
  localStorage.setItem(TOKEN, JSON.stringify('device-token'));
  fresh({ token: 'device-token', user: { id: 1, name: 'ana', is_host: false } });
}

beforeEach(() => fresh());

describe('handshake', () => {
  it('sends the owner key first, then the token, then the join form, and remembers which', () => {
    useSession.setState({ ownerKey: 'k', token: 't', pendingJoin: { name: 'ana', code: '' } });
    expect(useSession.getState().handshake()).toEqual({ owner_key: 'k' });
    expect(useSession.getState().tried).toBe('owner');
    useSession.setState({ ownerKey: null });
    expect(useSession.getState().handshake()).toEqual({ token: 't' });
    expect(useSession.getState().tried).toBe('token');
    useSession.setState({ token: null });
    expect(useSession.getState().handshake()).toEqual({ name: 'ana', code: '' });
    expect(useSession.getState().tried).toBe('join');
  });
});

describe('a refused owner key (#owner= from a link anyone can make)', () => {
  it('forgets the key, keeps the stored token and asks to sign in with it', () => {
    signedIn();
    useSession.getState().setOwnerKey('forged');
    expect(useSession.getState().handshake()).toEqual({ owner_key: 'forged' });

    const next = useSession.getState().refused('bad_token', 'That host key is not valid here.');

    expect(next).toBe('retry');
    const s = useSession.getState();
    expect(s.ownerKey).toBeNull();
    expect(s.token).toBe('device-token');
    expect(s.user).toMatchObject({ name: 'ana' });
    expect(s.joinError).toBeNull();
    expect(s.status).toBe('connecting');
    expect(localStorage.getItem(TOKEN)).toBe(JSON.stringify('device-token'));
    // The next handshake carries the token, and the key is tried only once.
    expect(useSession.getState().handshake()).toEqual({ token: 'device-token' });
  });

  it('whatever the refusal code (a malformed key is `invalid`)', () => {
    for (const code of ['invalid', 'rate_limited', 'bad_token', 'storage_full', undefined]) {
      signedIn();
      useSession.getState().setOwnerKey('x'.repeat(5000));
      useSession.getState().handshake();
      expect(useSession.getState().refused(code, 'no')).toBe('retry');
      expect(useSession.getState().token).toBe('device-token');
      expect(localStorage.getItem(TOKEN)).toBe(JSON.stringify('device-token'));
    }
  });

  it('without a token shows the join screen with a sentence, and stops', () => {
    useSession.getState().setOwnerKey('forged');
    useSession.getState().handshake();
    expect(useSession.getState().refused('bad_token', 'That host key is not valid here.')).toBe('stop');
    const s = useSession.getState();
    expect(s.ownerKey).toBeNull();
    expect(s.status).toBe('idle');
    expect(s.joinError).toBe(OWNER_KEY_REFUSED);
    expect(s.handshake()).toBeNull();
  });

  it('a refusal that arrives before any handshake is charged to the credential it would carry', () => {
    signedIn();
    useSession.setState({ ownerKey: 'forged' });
    expect(useSession.getState().refused('bad_token', 'no')).toBe('retry');
    expect(useSession.getState().token).toBe('device-token');
  });
});

describe('a refused token', () => {
  it('bad_token to the token itself forgets it (a removed device)', () => {
    signedIn();
    useSession.getState().handshake();
    expect(useSession.getState().refused('bad_token', 'Unknown device.')).toBe('stop');
    const s = useSession.getState();
    expect(s.token).toBeNull();
    expect(s.user).toBeNull();
    expect(localStorage.getItem(TOKEN)).toBeNull();
    expect(s.joinError).toBe('This device is no longer known to the host. Join again.');
  });

  it('any other refusal of the token keeps it', () => {
    signedIn();
    useSession.getState().handshake();
    expect(useSession.getState().refused('rate_limited', 'Wait.')).toBe('stop');
    expect(useSession.getState().token).toBe('device-token');
    expect(localStorage.getItem(TOKEN)).toBe(JSON.stringify('device-token'));
  });

  it('bad_token to a join from the form never touches a token', () => {
    useSession.getState().beginJoin('ana', '1234');
    useSession.getState().handshake();
    useSession.setState({ token: 'arrived-meanwhile' });
    useSession.getState().refused('bad_token', 'no');
    expect(useSession.getState().token).toBe('arrived-meanwhile');
  });
});

describe('what the join screen says', () => {
  it('shows the host’s own reason where only the host knows it, ours otherwise', () => {
    const join = { pendingJoin: { name: 'cаrol', code: '1234567890' }, tried: 'join' as const };
    fresh(join);
    useSession.getState().refused('name_taken', 'That name looks like carol, who is already here.');
    expect(useSession.getState().joinError).toBe('That name looks like carol, who is already here.');
    fresh(join);
    useSession.getState().refused('rate_limited', 'Too many wrong codes. Try again in 37 seconds.');
    expect(useSession.getState().joinError).toContain('37 seconds');
    fresh(join);
    useSession.getState().refused('bad_code', 'wrong');
    expect(useSession.getState().joinError).toBe(REFUSAL_TEXT.bad_code);
    fresh(join);
    useSession.getState().refused('name_taken', undefined);
    expect(useSession.getState().joinError).toBe(REFUSAL_TEXT.name_taken);
  });
});

describe('sign-in links', () => {
  it('sends a link after an owner key and before the token, and welcome forgets it', () => {
    useSession.setState({ ownerKey: null, linkSecret: 'L', token: 't' });
    expect(useSession.getState().handshake()).toEqual({ link: 'L' });
    expect(useSession.getState().tried).toBe('link');
    useSession.getState().welcome({
      user: { id: 1, name: 'ana', is_host: false },
      token: 'new-token',
      rooms: [],
      users: [],
      server: { name: 'h', version: '1', host_id: 'x' },
    });
    expect(useSession.getState().linkSecret).toBeNull();
    expect(useSession.getState().token).toBe('new-token');
  });

  it('a refused link without a token says why and stops', () => {
    useSession.setState({ linkSecret: 'used' });
    useSession.getState().handshake();
    expect(useSession.getState().refused('bad_link', 'That sign-in link has expired or was already used.')).toBe('stop');
    expect(useSession.getState().linkSecret).toBeNull();
    expect(useSession.getState().joinError).toBe('That sign-in link has expired or was already used.');
  });

  it('a refused link keeps the device’s token and retries with it', () => {
    signedIn();
    useSession.setState({ linkSecret: 'used' });
    useSession.getState().handshake();
    expect(useSession.getState().refused('bad_link', undefined)).toBe('retry');
    expect(useSession.getState().token).toBe('device-token');
    expect(useSession.getState().joinError).toBe(REFUSAL_TEXT.bad_link);
    expect(useSession.getState().handshake()).toEqual({ token: 'device-token' });
  });

  it('signed out by the host: the token is forgotten and the join screen says so', () => {
    signedIn();
    useSession.getState().signedOut();
    expect(useSession.getState().token).toBeNull();
    expect(useSession.getState().user).toBeNull();
    expect(localStorage.getItem(TOKEN)).toBeNull();
    expect(useSession.getState().joinError).toBe(SIGNED_OUT_TEXT);
  });
});
