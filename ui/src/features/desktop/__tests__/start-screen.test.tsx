import { act, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { _resetDesktopApiForTests, type NearbyHost } from '@/features/desktop/api/desktop-api';
import { StartScreen } from '@/features/desktop/components/start-screen';
import {
  _rereadStartScreenForTests,
  leaveStartScreen,
  useStartScreen,
} from '@/features/desktop/hooks/use-start-screen';

import { fakeApi, installPywebview, removePywebview } from './fake-pywebview';

const ANNA: NearbyHost = {
  host_id: 'a'.repeat(32),
  name: "Anna's laptop",
  version: '0.1.0',
  needs_code: true,
  addresses: ['192.168.1.20', '10.0.0.5'],
  urls: ['http://192.168.1.20:7275/', 'http://10.0.0.5:7275/'],
};
const BEN: NearbyHost = { ...ANNA, host_id: 'b'.repeat(32), name: 'Ben', needs_code: false, addresses: ['192.168.1.30'], urls: ['http://192.168.1.30:7275/'] };

beforeEach(() => {
  _resetDesktopApiForTests();
});

afterEach(() => {
  removePywebview();
  window.history.replaceState(null, '', '/');
});

describe('StartScreen', () => {
  it('lists hosts nearby as they come and go, and joins one by all its addresses', async () => {
    let hosts: NearbyHost[] = [ANNA];
    const api = fakeApi({ nearby_hosts: async () => ({ discovery: true, hosts }) });
    installPywebview(api);
    render(<StartScreen />);

    const list = await screen.findByRole('list', { name: 'Hosts nearby' });
    expect(within(list).getByText("Anna's laptop")).toBeInTheDocument();
    expect(within(list).getByText(/192\.168\.1\.20, 10\.0\.0\.5 · join code needed/)).toBeInTheDocument();

    hosts = [BEN];
    expect(await screen.findByText('Ben', {}, { timeout: 2_500 })).toBeInTheDocument(); // within ~2 s
    expect(screen.queryByText("Anna's laptop")).toBeNull();
    expect(screen.getByText(/open, no code/)).toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: 'Join Ben' }));
    expect(api.join_host).toHaveBeenCalledWith(['http://192.168.1.30:7275/']);
  });

  it('says which step failed for a typed address', async () => {
    const api = fakeApi({
      join_host: async () => ({
        ok: false,
        attempts: [{ url: 'http://10.9.9.9:7275/', step: 'refused', message: 'Nothing is listening at 10.9.9.9:7275.', name: null }],
      }),
    });
    installPywebview(api);
    render(<StartScreen />);
    expect(await screen.findByText(/Finding hosts nearby is turned off/)).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText('Enter an address'), '10.9.9.9{Enter}');
    expect(api.join_host).toHaveBeenCalledWith('10.9.9.9');
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Connection refused');
    expect(alert).toHaveTextContent('Nothing is listening at 10.9.9.9:7275.');
  });

  it('works as a plain page outside the window', async () => {
    render(<StartScreen />);
    expect(await screen.findByText(/listed in the Parley app/, {}, { timeout: 7_000 })).toBeInTheDocument();
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
