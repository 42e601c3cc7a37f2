import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { _resetHostTlsForTests } from '@/features/encryption/api/host-tls';
import { JoinScreen } from '@/features/join';
import { useSession } from '@/stores/session-store';

const FP = 'ZKLYCEWKDO64V6WCGGZZUI64JWTYN37YCR6E44VZQB3YLL7OJC5Q';
const OTHER = 'HYR6QFQAHFMUUM4JJ5SWJYNRGSF326QARDKCYSWLOPXK5VM4ACOQ';
const GROUPED = FP.match(/.{4}/g)!.join(' ');

function serve(info: object) {
  const fetch = vi.fn().mockImplementation(() => Promise.resolve(Response.json(info)));
  vi.stubGlobal('fetch', fetch);
  return fetch;
}

const info = (extra: object) => ({ name: 'studio', version: '0.1.0', host_id: 'h', needs_code: true, urls: [], ...extra });

beforeEach(() => {
  _resetHostTlsForTests();
  useSession.setState({ status: 'idle', user: null, pendingJoin: null, joinError: null, connectFailure: null, inviteCode: '', inviteFingerprint: '' });
});
afterEach(() => vi.unstubAllGlobals());

describe('the join screen and the host’s key', () => {
  it('shows the fingerprint in groups to compare with the host’s screen', async () => {
    serve(info({ tls: true, fingerprint: FP, custom_certificate: false }));
    render(<JoinScreen />);
    expect(await screen.findByLabelText('Fingerprint of this host')).toHaveTextContent(GROUPED);
    expect(screen.getByRole('textbox', { name: 'Your name' })).toBeInTheDocument();
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('says so when the invite link named the same key', async () => {
    useSession.setState({ inviteFingerprint: FP.toLowerCase() });
    serve(info({ tls: true, fingerprint: FP }));
    render(<JoinScreen />);
    expect(await screen.findByText(/The same as in your invite link/)).toBeInTheDocument();
  });

  it('stops when the invite link named another key, and sends nothing', async () => {
    useSession.setState({ inviteFingerprint: OTHER, inviteCode: 'ABCD1234' });
    serve(info({ tls: true, fingerprint: FP }));
    render(<JoinScreen />);
    const stop = await screen.findByRole('alert');
    expect(stop).toHaveTextContent('Stop: this is not the host that invited you');
    expect(screen.getByLabelText('Fingerprint in the invite link')).toHaveTextContent(OTHER.match(/.{4}/g)!.join(' '));
    expect(screen.getByLabelText('Fingerprint of this host')).toHaveTextContent(GROUPED);
    expect(screen.queryByRole('textbox', { name: 'Your name' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Join' })).toBeNull();
    expect(useSession.getState().pendingJoin).toBeNull();
  });

  it('shows no form until the host has said which key it has, when the link named one', async () => {
    useSession.setState({ inviteFingerprint: FP });
    let answer: (r: Response) => void = () => undefined;
    vi.stubGlobal('fetch', vi.fn().mockReturnValue(new Promise<Response>((r) => (answer = r))));
    render(<JoinScreen />);
    expect(screen.getByRole('status')).toHaveTextContent('Checking the host’s key…');
    expect(screen.queryByRole('textbox', { name: 'Your name' })).toBeNull();
    answer(Response.json(info({ tls: true, fingerprint: FP })));
    expect(await screen.findByRole('textbox', { name: 'Your name' })).toBeInTheDocument();
  });

  it('stops when the link promised encryption and the host has none', async () => {
    useSession.setState({ inviteFingerprint: FP });
    serve(info({ tls: false, fingerprint: null }));
    render(<JoinScreen />);
    expect(await screen.findByRole('alert')).toHaveTextContent(/nothing: it serves everything unencrypted/);
  });

  it('tells a guest of a --no-tls host that nothing is encrypted, and still lets them join', async () => {
    serve(info({ tls: false, fingerprint: null }));
    const user = userEvent.setup();
    render(<JoinScreen />);
    expect(await screen.findByRole('note', { name: 'Not encrypted' })).toHaveTextContent(/without encryption/);
    await user.type(screen.getByRole('textbox', { name: 'Your name' }), 'bob');
    expect(screen.getByRole('button', { name: 'Join' })).toBeEnabled();
  });
});
