import { signInLink } from '@/features/devices/api/devices';

function at(href: string): Location {
  return new URL(href) as unknown as Location;
}

describe('signInLink', () => {
  it('uses the page’s own address when other devices can reach it', () => {
    expect(signInLink('s3cret', ['http://192.168.1.5:7275/'], null, at('http://192.168.1.5:7275/'))).toBe(
      'http://192.168.1.5:7275/#signin=s3cret',
    );
    expect(signInLink('a', [], null, at('http://parley.lan:7275/x'))).toBe('http://parley.lan:7275/#signin=a');
  });

  it('uses the host’s LAN address from this machine’s loopback (the desktop window)', () => {
    expect(signInLink('k', ['http://10.0.0.7:7275'], null, at('http://127.0.0.1:7275/'))).toBe('http://10.0.0.7:7275/#signin=k');
    expect(signInLink('k', ['http://10.0.0.7:7275/'], null, at('http://localhost:7275/'))).toBe('http://10.0.0.7:7275/#signin=k');
  });

  it('stays on loopback when the host has no LAN address', () => {
    expect(signInLink('k', [], null, at('http://127.0.0.1:7275/'))).toBe('http://127.0.0.1:7275/#signin=k');
  });

  it('escapes the secret', () => {
    expect(signInLink('a+b/c', [], null, at('http://h:1/'))).toBe('http://h:1/#signin=a%2Bb%2Fc');
    // An encrypting host's key rides along, as in an invite link.
    const fp = 'IU4GBUWBNQYXTZCQK6NECPWZCRNFJ2TSHOWIQ7J3KAAXA2SUEHXA';
    expect(signInLink('k', [], fp, at('https://h:1/'))).toBe(`https://h:1/#signin=k&fp=${fp}`);
  });
});
