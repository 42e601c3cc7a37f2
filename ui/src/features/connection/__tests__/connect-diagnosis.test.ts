import { useChat } from '@/features/chat';
import { _resetSyncForTests, startSync } from '@/features/connection/api/sync';
import { EVENTS } from '@/lib/protocol';
import { useSession } from '@/stores/session-store';
import { fake } from '@/testing/fake-socket';
import { room, welcome } from '@/testing/data';

const UNREACHABLE =
  "Can't reach the host at http://localhost:3000: it may have stopped, or this address is not reachable from here.";
const REFUSED = 'The host refused this connection (address or origin not accepted).';

async function settle() {
  for (let i = 0; i < 20; i++) await Promise.resolve();
  await new Promise((r) => setTimeout(r, 0));
}

let stop: () => void;
const fetchMock = vi.fn<typeof fetch>();

beforeEach(() => {
  fake.reset();
  _resetSyncForTests();
  fetchMock.mockReset();
  vi.stubGlobal('fetch', fetchMock);
  useChat.setState({ scope: null, messages: {}, rooms: {}, activeRoomId: null });
  useSession.setState({
    status: 'idle',
    user: null,
    token: null,
    pendingJoin: null,
    joinError: null,
    connectFailure: null,
    everConnected: false,
  });
  stop = startSync();
});

afterEach(() => {
  stop();
  vi.unstubAllGlobals();
});

describe('a join from the form that fails below the auth step', () => {
  it('says the host cannot be reached when /api/info gets no answer, and stops trying', async () => {
    fetchMock.mockRejectedValue(new TypeError('Failed to fetch'));
    useSession.getState().beginJoin('ana', '1234');
    fake.refuse(undefined);
    await settle();
    expect(String(fetchMock.mock.calls[0]![0])).toBe('http://localhost:3000/api/info');
    const s = useSession.getState();
    expect(s.joinError).toBe(UNREACHABLE);
    expect(s.connectFailure).toEqual({ step: 'unreachable', origin: 'http://localhost:3000' });
    expect(s.status).toBe('idle');
    expect(s.pendingJoin).toBeNull();
  });

  it('says the host refused the connection when HTTP answers (e.g. 400 refused origin)', async () => {
    fetchMock.mockResolvedValue(new Response('Not an accepted origin', { status: 400 }));
    useSession.getState().beginJoin('ana', '1234');
    fake.refuse(undefined);
    await settle();
    expect(useSession.getState().joinError).toBe(REFUSED);
  });

  it('a wrong code keeps its own sentence and probes nothing', async () => {
    useSession.getState().beginJoin('ana', '0000');
    fake.refuse({ code: 'bad_code', message: 'Wrong code.' });
    await settle();
    expect(fetchMock).not.toHaveBeenCalled();
    expect(useSession.getState().joinError).toBe('That join code is not right. Check it with the host and try again.');
    expect(useSession.getState().connectFailure).toBeNull();
  });

  it('a new attempt clears the old failure', async () => {
    fetchMock.mockRejectedValue(new TypeError('Failed to fetch'));
    useSession.getState().beginJoin('ana', '1234');
    fake.refuse(undefined);
    await settle();
    useSession.getState().beginJoin('ana', '1234');
    expect(useSession.getState().joinError).toBeNull();
    expect(useSession.getState().connectFailure).toBeNull();
  });
});

describe('a connected session that loses the host', () => {
  it('records why for the banner, keeps the user and keeps reconnecting; welcome clears it', async () => {
    fake.open();
    fake.serverEmit(EVENTS.welcome, welcome([room(1, 'general')]));
    fake.drop();
    fetchMock.mockRejectedValue(new TypeError('Failed to fetch'));
    fake.refuse(undefined);
    await settle();
    const s = useSession.getState();
    expect(s.connectFailure?.step).toBe('unreachable');
    expect(s.joinError).toBeNull();
    expect(s.user).not.toBeNull();
    expect(s.status).toBe('reconnecting');

    fake.open();
    fake.serverEmit(EVENTS.welcome, welcome([room(1, 'general')]));
    expect(useSession.getState().connectFailure).toBeNull();
  });

  it('probes once while a probe is out, however often socket.io retries', async () => {
    fake.open();
    fake.serverEmit(EVENTS.welcome, welcome([room(1, 'general')]));
    fake.drop();
    let answer: (r: Response) => void = () => undefined;
    fetchMock.mockReturnValue(new Promise<Response>((r) => (answer = r)));
    fake.refuse(undefined);
    fake.refuse(undefined);
    fake.refuse(undefined);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    answer(new Response('', { status: 421 }));
    await settle();
    expect(useSession.getState().connectFailure?.step).toBe('refused');
  });
});
