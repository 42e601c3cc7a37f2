import { act, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { App } from '@/app/app';
import { _rereadStartScreenForTests, _resetDesktopApiForTests } from '@/features/desktop';
import type { HostsResult, WireHost } from '@/lib/protocol';
import { fakeApi, installPywebview, removePywebview } from '@/testing/fake-pywebview';
import { fake } from '@/testing/fake-socket';

const ANNA: WireHost = {
  host_id: 'a'.repeat(32),
  name: "Anna's laptop",
  version: '0.1.0',
  needs_code: true,
  addresses: ['192.168.1.20', '10.0.0.5'],
  urls: ['http://192.168.1.20:7275/', 'javascript:alert(1)', 'http://10.0.0.5:7275/'],
};
const BEN: WireHost = { ...ANNA, host_id: 'b'.repeat(32), name: 'Ben', needs_code: false, addresses: ['192.168.1.30'], urls: ['http://192.168.1.30:7275/'] };

let answer: HostsResult;
let asked: string[];

beforeEach(() => {
  fake.reset();
  _resetDesktopApiForTests();
  asked = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string) => {
      const path = new URL(url).pathname;
      asked.push(path);
      return path === '/api/hosts' ? Response.json(answer) : new Response('', { status: 404 });
    }),
  );
  window.history.replaceState(null, '', '/#join');
  _rereadStartScreenForTests();
});

afterEach(() => {
  vi.unstubAllGlobals();
  removePywebview();
  window.history.replaceState(null, '', '/');
});

describe('the start screen in the app', () => {
  it("lists what this page's host finds nearby as hosts come and go, and joins one through the window", async () => {
    answer = { discovery: true, hosts: [ANNA] };
    const api = fakeApi();
    installPywebview(api);
    render(<App />);

    const list = await screen.findByRole('list', { name: 'Hosts nearby' });
    expect(within(list).getByText("Anna's laptop")).toBeInTheDocument();
    expect(within(list).getByText(/192\.168\.1\.20, 10\.0\.0\.5 · join code needed/)).toBeInTheDocument();
    // No socket is open here, so no hosts_changed arrives: the list is asked for again.
    expect(fake.connected).toBe(false);
    answer = { discovery: true, hosts: [BEN] };
    expect(await screen.findByText('Ben', {}, { timeout: 2_500 })).toBeInTheDocument(); // within ~2 s
    expect(screen.queryByText("Anna's laptop")).toBeNull();
    expect(asked.filter((p) => p === '/api/hosts').length).toBeGreaterThanOrEqual(2);

    answer = { discovery: true, hosts: [ANNA, BEN] };
    await userEvent.click(await screen.findByRole('button', { name: "Join Anna's laptop" }, { timeout: 2_500 }));
    // Every http address, in the announced order; the window's join_host tries them in turn.
    expect(api.join_host).toHaveBeenCalledWith(['http://192.168.1.20:7275/', 'http://10.0.0.5:7275/']);
  });

  it('says so, and stops asking, when its host has discovery off', async () => {
    answer = { discovery: false, hosts: [] };
    installPywebview(fakeApi());
    render(<App />);
    expect(
      await screen.findByText('Finding hosts nearby is turned off. Enter an address instead.'),
    ).toBeInTheDocument();
    await act(() => new Promise((r) => setTimeout(r, 2_000)));
    expect(asked.filter((p) => p === '/api/hosts')).toHaveLength(1);
  });
});
