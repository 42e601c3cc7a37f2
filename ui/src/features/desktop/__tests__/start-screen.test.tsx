import { act, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { _resetDesktopApiForTests } from '@/features/desktop/api/desktop-api';
import { StartScreen, type StartScreenHosts } from '@/features/desktop/components/start-screen';
import {
  _rereadStartScreenForTests,
  leaveStartScreen,
  useStartScreen,
} from '@/features/desktop/hooks/use-start-screen';
import type { WireHost } from '@/lib/protocol';
import { fakeApi, installPywebview, removePywebview } from '@/testing/fake-pywebview';

const ANNA: WireHost = {
  host_id: 'a'.repeat(32),
  name: "Anna's laptop",
  version: '0.1.0',
  needs_code: true,
  addresses: ['192.168.1.20', '10.0.0.5'],
  urls: ['http://192.168.1.20:7275/', 'http://10.0.0.5:7275/'],
};
const BEN: WireHost = { ...ANNA, host_id: 'b'.repeat(32), name: 'Ben', needs_code: false, addresses: ['192.168.1.30'], urls: ['http://192.168.1.30:7275/'] };

const found = (hosts: WireHost[]): StartScreenHosts => ({ loading: false, error: null, discovery: true, hosts });
const OFF: StartScreenHosts = { loading: false, error: null, discovery: false, hosts: [] };

beforeEach(() => {
  _resetDesktopApiForTests();
});

afterEach(() => {
  removePywebview();
  window.history.replaceState(null, '', '/');
});

describe('StartScreen', () => {
  it('shows the hosts it is handed as they come and go, and joins one by all its addresses', async () => {
    const api = fakeApi();
    installPywebview(api);
    const { rerender } = render(<StartScreen nearby={found([ANNA])} />);

    const list = screen.getByRole('list', { name: 'Hosts nearby' });
    expect(within(list).getByText("Anna's laptop")).toBeInTheDocument();
    expect(within(list).getByText(/192\.168\.1\.20, 10\.0\.0\.5 · join code needed/)).toBeInTheDocument();
    expect(await screen.findByText(/This computer keeps hosting its own chat/)).toBeInTheDocument();
    expect(screen.queryByText(/Also at/)).toBeNull(); // the window tries every address itself

    rerender(<StartScreen nearby={found([BEN])} />);
    expect(screen.queryByText("Anna's laptop")).toBeNull();
    expect(screen.getByText(/open, no code/)).toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: 'Join Ben' }));
    expect(api.join_host).toHaveBeenCalledWith(['http://192.168.1.30:7275/']);
    // Checked and pinned by the window: the page itself goes where the answer says.
    expect(window.location.hash).toBe('#joined');
    window.history.replaceState(null, '', window.location.pathname);
  });

  it('says what it is doing while the list is loading, empty, off or failing', () => {
    const { rerender } = render(<StartScreen nearby={{ ...found([]), loading: true }} />);
    expect(screen.getByRole('status')).toHaveTextContent('Looking for hosts nearby…');
    rerender(<StartScreen nearby={found([])} />);
    expect(screen.getByRole('status')).toHaveTextContent('Looking for hosts nearby… none found yet.');
    rerender(<StartScreen nearby={OFF} />);
    expect(screen.getByRole('status')).toHaveTextContent('Finding hosts nearby is turned off. Enter an address instead.');
    rerender(<StartScreen nearby={{ ...found([]), error: 'The host did not answer.' }} />);
    expect(screen.getByRole('status')).toHaveTextContent(
      'Could not load the list: The host did not answer. Enter an address instead.',
    );
    // A failed refresh keeps what was found before.
    rerender(<StartScreen nearby={{ ...found([BEN]), error: 'The host did not answer.' }} />);
    expect(screen.queryByRole('status')).toBeNull();
    expect(screen.getByRole('button', { name: 'Join Ben' })).toBeEnabled();
  });

  it('says which step failed for a typed address', async () => {
    const api = fakeApi({
      join_host: async () => ({
        ok: false,
        attempts: [{ url: 'http://10.9.9.9:7275/', step: 'refused', message: 'Nothing is listening at 10.9.9.9:7275.', name: null }],
      }),
    });
    installPywebview(api);
    render(<StartScreen nearby={OFF} />);
    expect(screen.getByText(/Finding hosts nearby is turned off/)).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText('Enter an address'), '10.9.9.9{Enter}');
    expect(api.join_host).toHaveBeenCalledWith('10.9.9.9');
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Connection refused');
    expect(alert).toHaveTextContent('Nothing is listening at 10.9.9.9:7275.');
  });

  it("shows each nearby host's announced key in groups, and a key mismatch as its own failure", async () => {
    const fp = 'LH7ZBFAZSWTED2LVG74MDBRJRV6EHPL3WGM7CITU52QCNINRKB2Q';
    const api = fakeApi({
      join_host: async () => ({
        ok: false,
        attempts: [
          {
            url: 'https://192.168.1.20:7275/',
            step: 'mismatch',
            message: 'The host at 192.168.1.20:7275 presented a different key than the one this computer trusts for it.',
            name: null,
            fingerprint: fp,
          },
        ],
      }),
    });
    installPywebview(api);
    const secure = { ...ANNA, urls: ['https://192.168.1.20:7275/'], fingerprint: fp };
    const plain = { ...BEN, fingerprint: null };
    render(<StartScreen nearby={found([secure, plain])} />);
    const list = screen.getByRole('list', { name: 'Hosts nearby' });
    expect(within(list).getByText('LH7Z BFAZ SWTE D2LV G74M DBRJ RV6E HPL3 WGM7 CITU 52QC NINR KB2Q')).toBeInTheDocument();
    expect(within(list).getByText(/Not encrypted/)).toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: "Join Anna's laptop" }));
    expect(api.join_host).toHaveBeenCalledWith(['https://192.168.1.20:7275/']);
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Different key: not joined');
    expect(alert).toHaveTextContent('presented a different key');
  });

  it('lists the same hosts as a plain page outside the window, with every address to open', async () => {
    render(<StartScreen nearby={found([ANNA])} />);
    // No js_api: once detection gives up, the page says whose list it is and how joining works.
    const note = await screen.findByText(/^Found by the host at /, {}, { timeout: 7_000 });
    expect(note).toHaveTextContent(`Found by the host at ${window.location.origin}.`);
    const entry = within(screen.getByRole('list', { name: 'Hosts nearby' })).getByRole('listitem');
    expect(within(entry).getByRole('button', { name: "Join Anna's laptop" })).toBeEnabled();
    const also = within(entry).getAllByRole('link');
    expect(also.map((a) => a.getAttribute('href'))).toEqual(['http://10.0.0.5:7275/']);
    expect(screen.getByRole('button', { name: 'Back to the chat' })).toBeInTheDocument();
    expect(screen.queryByText(/This computer keeps hosting/)).toBeNull();
  }, 10_000);
});

function RouteProbe() {
  return <p>{useStartScreen() ? 'start' : 'chat'}</p>;
}

describe('start route', () => {
  it('follows #join (also after the owner key) and goes back to the chat', async () => {
    window.history.replaceState(null, '', '/#owner=KEY&join');
    _rereadStartScreenForTests();
    render(<RouteProbe />);
    expect(screen.getByText('start')).toBeInTheDocument();
    act(() => leaveStartScreen());
    expect(screen.getByText('chat')).toBeInTheDocument();

    act(() => {
      window.location.hash = '#join';
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    });
    expect(screen.getByText('start')).toBeInTheDocument();
    act(() => leaveStartScreen());
    expect(window.location.hash).toBe('');
  });
});
