import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { SelfCheckDialog } from '@/features/selfcheck/components/self-check-dialog';
import type { SelfCheck } from '@/lib/protocol';

afterEach(() => vi.unstubAllGlobals());

const RESULT: SelfCheck = {
  listening: { host: '0.0.0.0', port: 7275 },
  addresses: [
    { url: 'http://192.168.1.5:7275/', answers: true },
    { url: 'http://10.8.0.2:7275/', answers: false },
  ],
  discovery: true,
  advertising: true,
  advertised_on: ['192.168.1.5'],
};

describe('SelfCheckDialog', () => {
  it('shows where the host listens, which URLs answer, and advertising; checks again on demand', async () => {
    const fetchMock = vi.fn().mockImplementation(() => Promise.resolve(Response.json(RESULT)));
    vi.stubGlobal('fetch', fetchMock);
    render(<SelfCheckDialog onClose={() => undefined} />);

    expect(await screen.findByLabelText('Listening on')).toHaveTextContent('0.0.0.0:7275');
    const checks = screen.getByRole('list', { name: 'Address checks' });
    const [good, bad] = within(checks).getAllByRole('listitem');
    expect(good).toHaveTextContent('✓http://192.168.1.5:7275/answers');
    expect(bad).toHaveTextContent('✗http://10.8.0.2:7275/does not answer');
    expect(screen.getByText('Yes, on 192.168.1.5')).toBeInTheDocument();
    expect(String(fetchMock.mock.calls[0]![0])).toBe('http://localhost:3000/api/selfcheck');

    const again = screen.getByRole('button', { name: 'Check again' });
    await userEvent.click(again);
    expect(fetchMock).toHaveBeenCalledTimes(2);
  });

  it('says discovery is off and it is not advertising', async () => {
    const off = { ...RESULT, listening: { host: '127.0.0.1', port: 5000 }, discovery: false, advertising: false, advertised_on: [] };
    vi.stubGlobal('fetch', vi.fn().mockResolvedValue(Response.json(off)));
    render(<SelfCheckDialog onClose={() => undefined} />);
    expect(await screen.findByText('No (discovery is off)')).toBeInTheDocument();
    expect(screen.getByText('Off')).toBeInTheDocument();
    expect(screen.getByLabelText('Listening on')).toHaveTextContent('127.0.0.1:5000');
  });
});
