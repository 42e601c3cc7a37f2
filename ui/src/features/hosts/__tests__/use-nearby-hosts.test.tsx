import { act, render } from '@testing-library/react';

import { NEARBY_POLL_MS, type NearbyHosts, useNearbyHosts } from '@/features/hosts/hooks/use-nearby-hosts';
import { EVENTS, type HostsResult, type WireHost } from '@/lib/protocol';
import { fake } from '@/testing/fake-socket';

const BEA: WireHost = {
  host_id: 'b1',
  name: 'Bea’s desk',
  version: '0.1.0',
  needs_code: true,
  addresses: ['10.0.0.7'],
  urls: ['http://10.0.0.7:7275/'],
};
const CID: WireHost = { ...BEA, host_id: 'c1', name: 'Cid', needs_code: false, addresses: ['10.0.0.8'], urls: ['http://10.0.0.8:7275/'] };

let seen: NearbyHosts;
let answer: HostsResult | Error;
let asked: string[];

function Probe() {
  seen = useNearbyHosts();
  return null;
}

/** Let timers due within `ms` fire and every answer they started settle. */
async function after(ms: number): Promise<void> {
  await act(async () => {
    await vi.advanceTimersByTimeAsync(ms);
  });
}

const names = () => seen.hosts.map((h) => h.name);

beforeEach(() => {
  fake.reset();
  vi.useFakeTimers();
  asked = [];
  answer = { discovery: true, hosts: [] };
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string) => {
      asked.push(new URL(url).pathname);
      if (answer instanceof Error) throw answer;
      return Response.json(answer);
    }),
  );
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('useNearbyHosts', () => {
  it('asks the host every second while no socket is connected, and follows its answers', async () => {
    answer = { discovery: true, hosts: [BEA] };
    render(<Probe />);
    expect(seen.loading).toBe(true);
    await after(0);
    expect(seen).toMatchObject({ loading: false, error: null, discovery: true });
    expect(names()).toEqual(['Bea’s desk']);
    expect(asked).toEqual(['/api/hosts']);

    answer = { discovery: true, hosts: [CID, BEA] };
    await after(NEARBY_POLL_MS);
    expect(names()).toEqual(['Bea’s desk', 'Cid']);
    answer = { discovery: true, hosts: [] };
    await after(NEARBY_POLL_MS);
    expect(names()).toEqual([]);
    expect(asked).toHaveLength(3);
  });

  it('asks once when the host has discovery off: nothing will show up', async () => {
    answer = { discovery: false, hosts: [] };
    render(<Probe />);
    await after(5 * NEARBY_POLL_MS);
    expect(seen).toMatchObject({ loading: false, discovery: false, hosts: [] });
    expect(asked).toHaveLength(1);
    act(() => fake.drop()); // a connection coming or going changes nothing about that
    await after(2 * NEARBY_POLL_MS);
    expect(asked).toHaveLength(1);
  });

  it('leaves it to hosts_changed while connected, asks once on connect and again after a drop', async () => {
    fake.open();
    answer = { discovery: true, hosts: [BEA] };
    render(<Probe />);
    await after(3 * NEARBY_POLL_MS);
    expect(names()).toEqual(['Bea’s desk']);
    expect(asked).toHaveLength(1);

    act(() => fake.serverEmit(EVENTS.hostsChanged, { hosts: [CID] }));
    expect(names()).toEqual(['Cid']);

    // Dropped: no pushes any more, so the list is asked for at once and then every second.
    answer = { discovery: true, hosts: [] };
    act(() => fake.drop());
    await after(0);
    expect(names()).toEqual([]);
    await after(NEARBY_POLL_MS);
    expect(asked).toHaveLength(3);

    // Back: one ask for what changed meanwhile, then pushes again.
    answer = { discovery: true, hosts: [BEA] };
    act(() => fake.open());
    await after(0);
    expect(names()).toEqual(['Bea’s desk']);
    expect(asked).toHaveLength(4);
    await after(3 * NEARBY_POLL_MS);
    expect(asked).toHaveLength(4);
  });

  it('keeps the last list when an ask fails, says why, and recovers on the next', async () => {
    answer = { discovery: true, hosts: [BEA] };
    render(<Probe />);
    await after(0);
    answer = new TypeError('Failed to fetch');
    await after(NEARBY_POLL_MS);
    expect(seen.error).toBe('The host did not answer.');
    expect(names()).toEqual(['Bea’s desk']);
    answer = { discovery: true, hosts: [CID] };
    await after(NEARBY_POLL_MS);
    expect(seen.error).toBeNull();
    expect(names()).toEqual(['Cid']);
  });

  it('keeps a push that arrived while an ask was out over that older answer', async () => {
    let release: (r: Response) => void = () => undefined;
    vi.stubGlobal(
      'fetch',
      vi.fn(() => new Promise<Response>((resolve) => (release = resolve))),
    );
    fake.open();
    render(<Probe />);
    act(() => fake.serverEmit(EVENTS.hostsChanged, { hosts: [CID] }));
    await act(async () => release(Response.json({ discovery: true, hosts: [BEA] })));
    await after(0);
    expect(names()).toEqual(['Cid']);
  });

  it('stops asking when unmounted', async () => {
    const { unmount } = render(<Probe />);
    await after(0);
    unmount();
    await after(5 * NEARBY_POLL_MS);
    expect(asked).toHaveLength(1);
  });
});
