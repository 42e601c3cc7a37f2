import { render, screen } from '@testing-library/react';

import { JoinScreen } from '@/features/join/components/join-screen';
import { useSession } from '@/stores/session-store';

afterEach(() => vi.unstubAllGlobals());

beforeEach(() => {
  useSession.setState({ status: 'idle', user: null, pendingJoin: null, joinError: null, connectFailure: null });
});

describe('JoinScreen', () => {
  it('says the host cannot be reached when its info does not load', async () => {
    vi.stubGlobal('fetch', vi.fn().mockRejectedValue(new TypeError('Failed to fetch')));
    render(<JoinScreen />);
    expect(await screen.findByRole('alert')).toHaveTextContent(/^Can't reach the host at http:\/\/localhost:3000: /);
  });

  it('shows the host’s name and no alert when the info loads', async () => {
    const info = { name: 'Ana’s laptop', version: '0.1.0', host_id: 'h', needs_code: false, urls: [] };
    vi.stubGlobal('fetch', vi.fn().mockResolvedValue(Response.json(info)));
    render(<JoinScreen />);
    expect(await screen.findByText('Join Ana’s laptop')).toBeInTheDocument();
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.queryByLabelText('Join code')).toBeNull();
  });
});
