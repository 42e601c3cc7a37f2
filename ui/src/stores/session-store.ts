/** Who we are on this host and how the connection is doing. The token is persisted. */
import { create } from 'zustand';

import type { AuthPayload, ConnectErrorCode, Welcome, WireServer, WireUser } from '@/lib/protocol';
import { loadJson, removeKey, saveJson } from '@/lib/storage';

export type ConnectionStatus = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'offline';

/** One clear sentence per refusal code (docs/protocol.md, "Connecting"). */
export const REFUSAL_TEXT: Record<ConnectErrorCode, string> = {
  invalid: 'That name can’t be used. Use 1–32 characters without control characters.',
  bad_code: 'That join code is not right. Check it with the host and try again.',
  name_taken: 'Someone on this host already uses that name. Pick another one.',
  bad_token: 'This device is no longer known to the host. Join again.',
  rate_limited: 'Too many wrong codes. Wait a minute, then try again.',
};

const TOKEN_KEY = 'token';

type SessionState = {
  token: string | null;
  pendingJoin: { name: string; code: string } | null;
  ownerKey: string | null;
  user: WireUser | null;
  server: WireServer | null;
  status: ConnectionStatus;
  joinError: string | null;
  /** When the connection came back after a drop (for the "Back online" banner). */
  backAt: number | null;
  everConnected: boolean;
  /** Pre-filled join code from an invite link. */
  inviteCode: string;

  authPayload: () => AuthPayload | null;
  beginJoin: (name: string, code: string) => void;
  setOwnerKey: (key: string) => void;
  setInviteCode: (code: string) => void;
  welcome: (w: Welcome) => void;
  refused: (code: string | undefined, message: string | undefined) => void;
  setStatus: (status: ConnectionStatus) => void;
  signOut: () => void;
};

export const useSession = create<SessionState>((set, get) => ({
  token: loadJson<string | null>(TOKEN_KEY, null),
  pendingJoin: null,
  ownerKey: null,
  user: null,
  server: null,
  status: 'idle',
  joinError: null,
  backAt: null,
  everConnected: false,
  inviteCode: '',

  authPayload: () => {
    const { ownerKey, token, pendingJoin } = get();
    if (ownerKey) return { owner_key: ownerKey };
    if (token) return { token };
    if (pendingJoin) return pendingJoin;
    return null;
  },
  beginJoin: (name, code) =>
    set({ pendingJoin: { name: name.trim(), code: code.trim() }, joinError: null, status: 'connecting' }),
  setOwnerKey: (key) => set({ ownerKey: key, status: 'connecting' }),
  setInviteCode: (code) => set({ inviteCode: code }),
  welcome: (w) => {
    saveJson(TOKEN_KEY, w.token);
    const wasBack = get().everConnected;
    set({
      token: w.token,
      ownerKey: null, // one-time key: the token is what we use from now on
      pendingJoin: null,
      user: w.user,
      server: w.server,
      status: 'connected',
      joinError: null,
      everConnected: true,
      backAt: wasBack ? Date.now() : null,
    });
  },
  refused: (code, message) => {
    const known = code && code in REFUSAL_TEXT ? REFUSAL_TEXT[code as ConnectErrorCode] : null;
    if (code === 'bad_token') removeKey(TOKEN_KEY);
    set({
      token: code === 'bad_token' ? null : get().token,
      ownerKey: null,
      pendingJoin: null,
      status: 'idle',
      joinError: known ?? message ?? 'The host refused the connection.',
      user: code === 'bad_token' ? null : get().user,
    });
  },
  setStatus: (status) => set({ status }),
  signOut: () => {
    removeKey(TOKEN_KEY);
    set({ token: null, user: null, status: 'idle', everConnected: false });
  },
}));
