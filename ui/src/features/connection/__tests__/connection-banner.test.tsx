import { act, render, screen } from '@testing-library/react';

import { ConnectionBanner } from '@/features/connection/components/connection-banner';
import { ConnectionDot } from '@/features/connection/components/connection-dot';
import { useSession } from '@/stores/session-store';

const server = { name: 'E2E host', version: '1', host_id: 'h1' };

describe('connection banner', () => {
  it('names the host by its current name (server_changed renames it)', () => {
    useSession.setState({ status: 'reconnecting', server, connectFailure: null });
    render(<ConnectionBanner />);
    expect(screen.getByRole('status')).toHaveTextContent('Connection lost to E2E host.');
    act(() => useSession.setState({ server: { ...server, name: 'Team room' }, status: 'offline' }));
    expect(screen.getByRole('status')).toHaveTextContent('Offline: Team room cannot be reached.');
    act(() =>
      useSession.setState({ status: 'reconnecting', connectFailure: { step: 'unreachable', origin: 'http://h:1' } }),
    );
    expect(screen.getByRole('status')).toHaveTextContent("Can't reach Team room at http://h:1");
  });

  it('shows the connection at a glance', () => {
    useSession.setState({ status: 'connected' });
    render(<ConnectionDot />);
    expect(screen.getByRole('img', { name: 'Connected' })).toBeInTheDocument();
    act(() => useSession.setState({ status: 'offline' }));
    expect(screen.getByRole('img', { name: 'Offline' })).toBeInTheDocument();
  });
});
