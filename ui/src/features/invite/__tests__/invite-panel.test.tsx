import { render, screen } from '@testing-library/react';

import { InvitePanel } from '@/features/invite';
import { inviteLink } from '@/features/invite/components/invite-panel';
import { COMMANDS } from '@/lib/protocol';
import { fake } from '@/testing/fake-socket';

const FP = 'ZKLYCEWKDO64V6WCGGZZUI64JWTYN37YCR6E44VZQB3YLL7OJC5Q';

beforeEach(() => {
  fake.reset();
  fake.open();
});

describe('InvitePanel', () => {
  it('builds the link with the code and the key', () => {
    expect(inviteLink('https://10.0.0.5:7275', 'ABCD1234', FP)).toBe(`https://10.0.0.5:7275/#code=ABCD1234&fp=${FP}`);
    expect(inviteLink('https://10.0.0.5:7275/', null, FP)).toBe(`https://10.0.0.5:7275/#fp=${FP}`);
    expect(inviteLink('http://10.0.0.5:7275', 'ABCD1234', null)).toBe('http://10.0.0.5:7275/#code=ABCD1234');
  });

  it('shows the fingerprint in groups and puts it in the invite link and QR code', async () => {
    fake.handle(COMMANDS.getInvite, () => ({ code: 'ABCD1234', urls: ['https://10.0.0.5:7275'], fingerprint: FP }));
    render(<InvitePanel onClose={() => undefined} />);
    expect(await screen.findByLabelText('Fingerprint')).toHaveTextContent(FP.match(/.{4}/g)!.join(' '));
    const link = `https://10.0.0.5:7275/#code=ABCD1234&fp=${FP}`;
    expect(screen.getByLabelText('Invite link')).toHaveTextContent(link);
    expect(await screen.findByRole('img', { name: `QR code for ${link}` })).toBeInTheDocument();
  });

  it('says the host is not encrypted when it has no fingerprint', async () => {
    fake.handle(COMMANDS.getInvite, () => ({ code: null, urls: ['http://10.0.0.5:7275'], fingerprint: null }));
    render(<InvitePanel onClose={() => undefined} />);
    expect(await screen.findByRole('note')).toHaveTextContent(/Not encrypted/);
    expect(screen.getByLabelText('Invite link')).toHaveTextContent(/^http:\/\/10\.0\.0\.5:7275\/$/);
  });
});
