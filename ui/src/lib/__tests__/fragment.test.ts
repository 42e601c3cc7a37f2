import { takeFragment } from '@/lib/fragment';

describe('takeFragment', () => {
  it('reads the invite code and clears it from the address bar', () => {
    window.history.replaceState(null, '', '/#code=ABCD1234');
    expect(takeFragment()).toEqual({ code: 'ABCD1234' });
    expect(window.location.hash).toBe('');
  });

  it('reads the fingerprint of an invite link with the code', () => {
    window.history.replaceState(null, '', '/#code=ABCD1234&fp=ABCDEFGH');
    expect(takeFragment()).toEqual({ code: 'ABCD1234', fp: 'ABCDEFGH' });
    expect(window.location.hash).toBe('');
  });

  it('reads an owner key', () => {
    window.history.replaceState(null, '', '/#owner=k3y');
    expect(takeFragment()).toEqual({ owner: 'k3y' });
    expect(window.location.hash).toBe('');
  });

  it('reads a sign-in link’s secret and clears it', () => {
    window.history.replaceState(null, '', '/#signin=s3cr3t');
    expect(takeFragment()).toEqual({ signin: 's3cr3t' });
    expect(window.location.hash).toBe('');
  });

  it('leaves other fragments alone', () => {
    window.history.replaceState(null, '', '/#other');
    expect(takeFragment()).toEqual({});
    expect(window.location.hash).toBe('#other');
  });
});
