/**
 * Who we are on this host and how the connection is doing. The token is persisted.
 *
 * Shared, so it stays in stores/: features/connection drives it, and nearly every feature (chat,
 * admin, files, join, export, peers, rooms, desktop) reads who we are or whether we are connected.
 */
import { create } from 'zustand';

import { type ConnectFailure, connectFailureText } from '@/lib/connect-failure';
import type { AuthPayload, ConnectErrorCode, Welcome, WireServer, WireUser } from '@/lib/protocol';
import { loadJson, removeKey, saveJson } from '@/lib/storage';

export type ConnectionStatus = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'offline';

/** One clear sentence per refusal code (docs/protocol.md, "Connecting"), for when the host says
 * none of its own. */
export const REFUSAL_TEXT: Record<ConnectErrorCode, string> = {
  invalid: 'That name can’t be used. Use 1–32 characters, with something visible in it.',
  bad_code: 'That join code is not right. Check it with the host and try again.',
  name_taken: 'Someone on this host already uses that name. Pick another one.',
  bad_token: 'This device is no longer known to the host. Join again.',
  bad_link: 'That sign-in link has expired or was already used. Ask for a new one, or join with your name.',
  rate_limited: 'Too many wrong codes. Wait a minute, then try again.',
  storage_full: 'The host’s disk is full, so it cannot take anyone new now. Try again later.',
  internal: 'Something went wrong on the host. Try again.',
};

// Refusals whose reason only the host knows in full (which name it looks like, how many seconds
// to wait, which rule a name broke): its own sentence is shown, ours only if it sent none.
const HOST_SAYS_BEST: ReadonlySet<string> = new Set(['invalid', 'name_taken', 'rate_limited', 'bad_link']);

// What the join screen says when a `#owner=` key was refused and the device has no token to
// fall back on (the key is one-time and loopback-only: a link from elsewhere never works).
export const OWNER_KEY_REFUSED = 'That host key is not valid here. Join with your name instead.';

const TOKEN_KEY = 'token';

/** The credential a handshake carried: a refusal is charged to that one only. */
export type Credential = 'owner' | 'link' | 'token' | 'join';

// What the join screen says when this device was signed out from another (or by an admin).
export const SIGNED_OUT_TEXT = 'This device was signed out. Join again, or open a new sign-in link.';
/** After a refusal: `retry` connects again with the next credential, `stop` waits for the person. */
export type RefusalOutcome = 'retry' | 'stop';

export type TransportFailure = Exclude<ConnectFailure, { step: 'auth' }>;

type SessionState = {
  token: string | null;
  pendingJoin: { name: string; code: string } | null;
  ownerKey: string | null;
  /** A one-time sign-in link's secret (`#signin=`), until the host answers it. */
  linkSecret: string | null;
  /** The credential of the handshake in flight (set by `handshake()`). */
  tried: Credential | null;
  user: WireUser | null;
  server: WireServer | null;
  status: ConnectionStatus;
  joinError: string | null;
  /** When the connection came back after a drop (for the "Back online" banner). */
  backAt: number | null;
  everConnected: boolean;
  /** Pre-filled join code from an invite link. */
  inviteCode: string;
  /** The host's key fingerprint from an invite link (`fp=`), as written there; '' if none. */
  inviteFingerprint: string;
  /** Why the last connect attempt failed below the auth step; cleared by `welcome`. */
  connectFailure: TransportFailure | null;
  /** The host's own window asks its person's name with this (welcome `name_suggestion`, host only). */
  nameSuggestion: string | null;
  /** This page signed in with the host's owner key: the host's own window, which cannot sign out. */
  hostWindow: boolean;

  /** The best credential we hold: owner key, then token, then the join form. */
  authPayload: () => AuthPayload | null;
  /** `authPayload()` for a handshake being sent now: remembers which credential it carries. */
  handshake: () => AuthPayload | null;
  beginJoin: (name: string, code: string) => void;
  setOwnerKey: (key: string) => void;
  setLinkSecret: (secret: string) => void;
  /** The host signed this device out (`signed_out`): forget its token and say so. */
  signedOut: () => void;
  setInviteCode: (code: string) => void;
  setInviteFingerprint: (fp: string) => void;
  welcome: (w: Welcome) => void;
  /**
   * The host refused the handshake. Only a `bad_token` answer to the token itself forgets the
   * token; a refused owner key (anyone can put `#owner=x` in a link) is dropped and the device's
   * token, if any, is tried next (`retry`).
   */
  refused: (code: string | undefined, message: string | undefined) => RefusalOutcome;
  /** The host did not answer, or turned the handshake away; a join from the form stops here. */
  connectFailed: (failure: TransportFailure) => void;
  setStatus: (status: ConnectionStatus) => void;
  signOut: () => void;
  /** Our own user changed (user_updated, or a profile command's answer). */
  updateMe: (user: WireUser) => void;
};

function credentialOf(payload: AuthPayload | null): Credential | null {
  if (!payload) return null;
  if ('owner_key' in payload) return 'owner';
  if ('link' in payload) return 'link';
  if ('token' in payload) return 'token';
  return 'join';
}

export const useSession = create<SessionState>((set, get) => ({
  token: loadJson<string | null>(TOKEN_KEY, null),
  pendingJoin: null,
  ownerKey: null,
  linkSecret: null,
  tried: null,
  user: null,
  server: null,
  status: 'idle',
  joinError: null,
  backAt: null,
  everConnected: false,
  inviteCode: '',
  inviteFingerprint: '',
  connectFailure: null,
  nameSuggestion: null,
  hostWindow: false,

  authPayload: () => {
    const { ownerKey, linkSecret, token, pendingJoin } = get();
    if (ownerKey) return { owner_key: ownerKey };
    if (linkSecret) return { link: linkSecret };
    if (token) return { token };
    if (pendingJoin) return pendingJoin;
    return null;
  },
  handshake: () => {
    const payload = get().authPayload();
    set({ tried: credentialOf(payload) });
    return payload;
  },
  beginJoin: (name, code) =>
    set({
      pendingJoin: { name: name.trim(), code: code.trim() },
      joinError: null,
      connectFailure: null,
      status: 'connecting',
    }),
  setOwnerKey: (key) => set({ ownerKey: key, status: 'connecting' }),
  setLinkSecret: (secret) => set({ linkSecret: secret, status: 'connecting' }),
  signedOut: () => {
    removeKey(TOKEN_KEY);
    set({ token: null, user: null, status: 'idle', everConnected: false, joinError: SIGNED_OUT_TEXT, tried: null });
  },
  setInviteCode: (code) => set({ inviteCode: code }),
  setInviteFingerprint: (fp) => set({ inviteFingerprint: fp }),
  welcome: (w) => {
    saveJson(TOKEN_KEY, w.token);
    const wasBack = get().everConnected;
    const hostWindow = get().hostWindow || get().tried === 'owner';
    set({
      nameSuggestion: w.name_suggestion ?? null,
      hostWindow,
      token: w.token,
      ownerKey: null, // one-time key: the token is what we use from now on
      linkSecret: null,
      tried: null,
      pendingJoin: null,
      user: w.user,
      server: w.server,
      status: 'connected',
      joinError: null,
      connectFailure: null,
      everConnected: true,
      backAt: wasBack ? Date.now() : null,
    });
  },
  refused: (code, message) => {
    const tried = get().tried ?? credentialOf(get().authPayload());
    if (tried === 'owner') {
      // The key in the address was refused: forget it, and nothing else. Whoever made the link
      // must not be able to sign this device out.
      const hasToken = get().token !== null;
      set({
        ownerKey: null,
        tried: null,
        status: hasToken ? 'connecting' : 'idle',
        connectFailure: null,
        joinError: hasToken ? null : OWNER_KEY_REFUSED,
      });
      return hasToken ? 'retry' : 'stop';
    }
    if (tried === 'link') {
      // A used or expired link: say so; a device that was signed in already stays who it was.
      const hasToken = get().token !== null;
      const text = (code === 'bad_link' && message) || REFUSAL_TEXT.bad_link;
      set({
        linkSecret: null,
        tried: null,
        status: hasToken ? 'connecting' : 'idle',
        connectFailure: null,
        joinError: text,
      });
      return hasToken ? 'retry' : 'stop';
    }
    const ours = code && code in REFUSAL_TEXT ? REFUSAL_TEXT[code as ConnectErrorCode] : null;
    const known = code && HOST_SAYS_BEST.has(code) && message ? message : ours;
    const forget = code === 'bad_token' && tried === 'token';
    if (forget) removeKey(TOKEN_KEY);
    set({
      token: forget ? null : get().token,
      tried: null,
      pendingJoin: null,
      status: 'idle',
      connectFailure: null,
      joinError: known ?? message ?? 'The host refused the connection.',
      user: forget ? null : get().user,
    });
    return 'stop';
  },
  connectFailed: (failure) => {
    if (get().pendingJoin && !get().user) {
      // Someone pressed Join: say what failed and give the button back instead of retrying.
      set({ connectFailure: failure, joinError: connectFailureText(failure), pendingJoin: null, status: 'idle' });
    } else {
      set({ connectFailure: failure });
    }
  },
  setStatus: (status) => set({ status }),
  signOut: () => {
    removeKey(TOKEN_KEY);
    set({ token: null, user: null, status: 'idle', everConnected: false, nameSuggestion: null, hostWindow: false });
  },
  updateMe: (user) => {
    const me = get().user;
    if (!me || me.id !== user.id) return;
    const { online: _online, ...rest } = user;
    // A chosen name ends the host window's first-run question.
    set({ user: { ...me, ...rest }, nameSuggestion: me.name === user.name ? get().nameSuggestion : null });
  },
}));
