import { act, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { NotEncryptedMarker } from '@/features/encryption';
import { _resetHostTlsForTests, hostTls } from '@/features/encryption/api/host-tls';

const info = (extra: object) => ({ name: 'studio', version: '0.1.0', host_id: 'h', needs_code: true, urls: [], ...extra });

beforeEach(() => _resetHostTlsForTests());
afterEach(() => vi.unstubAllGlobals());

describe('NotEncryptedMarker', () => {
  it('marks a --no-tls host and explains what it means when pressed', async () => {
    vi.stubGlobal('fetch', vi.fn().mockResolvedValue(Response.json(info({ tls: false, fingerprint: null }))));
    const user = userEvent.setup();
    render(<NotEncryptedMarker />);
    const marker = await screen.findByRole('button', { name: /Not encrypted/ });
    await user.click(marker);
    expect(screen.getByRole('dialog', { name: 'Not encrypted' })).toHaveTextContent(/Anyone on this network can read/);
    expect(marker).toHaveAttribute('aria-expanded', 'true');
  });

  it('shows nothing when the host encrypts', async () => {
    const fetch = vi.fn().mockResolvedValue(Response.json(info({ tls: true, fingerprint: 'ZKLYCEWKDO64V6WCGGZZUI64JWTYN37YCR6E44VZQB3YLL7OJC5Q' })));
    vi.stubGlobal('fetch', fetch);
    render(<NotEncryptedMarker />);
    await act(() => hostTls()); // the marker's own question, answered
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(screen.queryByRole('button', { name: /Not encrypted/ })).toBeNull();
  });
});
