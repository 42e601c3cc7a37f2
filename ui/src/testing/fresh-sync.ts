/**
 * A fresh page's connection for a test: the fake socket, sync's module state and the stores
 * back to their start, then sync started. Returns sync's way to stop (call it in afterEach).
 */
import { useChat } from '@/features/chat';
import { _resetSyncForTests, startSync } from '@/features/connection/api/sync';
import { useOutbox } from '@/stores/outbox-store';
import { useSession } from '@/stores/session-store';
import { fake } from '@/testing/fake-socket';

export function startFreshSync(): () => void {
  fake.reset();
  _resetSyncForTests();
  useChat.setState(useChat.getInitialState(), true);
  useOutbox.setState({ scope: null, entries: [] });
  useSession.setState({ status: 'idle', user: null, token: null, pendingJoin: null, ownerKey: null, everConnected: false });
  return startSync();
}
