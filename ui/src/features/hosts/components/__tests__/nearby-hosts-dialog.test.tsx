import { act, render, screen, within } from '@testing-library/react';

import { NearbyHostsDialog } from '@/features/hosts/components/nearby-hosts-dialog';
import { httpUrls, sanitizeHosts } from '@/features/hosts/hooks/use-nearby-hosts';
import { EVENTS, type WireHost } from '@/lib/protocol';
import { fake } from '@/testing/fake-socket';

const BEA: WireHost = {
  host_id: 'b1',
  name: 'Bea’s desk',
  version: '0.1.0',
  needs_code: true,
  addresses: ['10.0.0.7'],
  urls: ['http://10.0.0.7:7275/'],
};

function serve(body: unknown) {
  vi.stubGlobal('fetch', vi.fn().mockResolvedValue(Response.json(body)));
}

beforeEach(() => fake.reset());
afterEach(() => vi.unstubAllGlobals());

describe('httpUrls / sanitizeHosts', () => {
  it('keeps only absolute http: and https: URLs without credentials', () => {
    expect(
      httpUrls([
        'http://10.0.0.7:7275/',
        'javascript:alert(1)',
        'https://10.0.0.7/',
        'data:text/html,x',
        '//10.0.0.8/',
        'http://u:p@10.0.0.9/',
        'https://u:p@10.0.0.9/',
        'wss://10.0.0.9/',
        42,
        'http://10.0.0.7:7275/',
      ]),
    ).toEqual(['http://10.0.0.7:7275/', 'https://10.0.0.7/']);
    expect(httpUrls('http://x/')).toEqual([]);
  });

  it('drops entries that are not hosts and bounds the rest', () => {
    const hosts = sanitizeHosts([null, 'x', { name: 'no id' }, { host_id: 'z', name: 'x'.repeat(500), urls: 'bad' }]);
    expect(hosts).toHaveLength(1);
    expect(hosts[0]!.name).toHaveLength(64);
    expect(hosts[0]!.urls).toEqual([]);
    expect(hosts[0]!.needs_code).toBe(false);
  });
});

describe('NearbyHostsDialog', () => {
  it('says discovery is off when the host does not look', async () => {
    serve({ discovery: false, hosts: [] });
    render(<NearbyHostsDialog onClose={() => undefined} />);
    expect(await screen.findByText('Discovery is off on this host.')).toBeInTheDocument();
  });

  it('has an empty state', async () => {
    serve({ discovery: true, hosts: [] });
    render(<NearbyHostsDialog onClose={() => undefined} />);
    expect(await screen.findByText('No other hosts found on this network.')).toBeInTheDocument();
  });

  it('lists hosts with addresses, code, and safe links, and follows hosts_changed', async () => {
    fake.open(); // signed in: the host pushes changes, nothing is polled
    serve({ discovery: true, hosts: [{ ...BEA, urls: [...BEA.urls, 'javascript:alert(1)'] }] });
    render(<NearbyHostsDialog onClose={() => undefined} />);
    const entry = await screen.findByRole('listitem', { name: 'Bea’s desk' });
    expect(within(entry).getByText('code needed')).toBeInTheDocument();
    expect(within(entry).getByText('Address: 10.0.0.7')).toBeInTheDocument();
    const links = within(entry).getAllByRole('link');
    expect(links).toHaveLength(1);
    expect(links[0]).toHaveAttribute('href', 'http://10.0.0.7:7275/');
    expect(links[0]).toHaveAttribute('rel', 'noopener noreferrer');

    const cid = { ...BEA, host_id: 'c1', name: 'Cid', needs_code: false, addresses: ['10.0.0.8'], urls: ['http://10.0.0.8:7275/'] };
    act(() => fake.serverEmit(EVENTS.hostsChanged, { hosts: [cid] }));
    expect(screen.queryByRole('listitem', { name: 'Bea’s desk' })).toBeNull();
    expect(within(screen.getByRole('listitem', { name: 'Cid' })).getByText('open, no code')).toBeInTheDocument();

    act(() => fake.serverEmit(EVENTS.hostsChanged, { hosts: [] }));
    expect(screen.getByText('No other hosts found on this network.')).toBeInTheDocument();
  });
});
