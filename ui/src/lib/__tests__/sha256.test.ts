import { createHash, randomBytes } from 'node:crypto';

import { Sha256, sha256OfBlob } from '@/lib/sha256';

const hex = (data: Uint8Array) => new Sha256().update(data).hex();
const enc = (s: string) => new TextEncoder().encode(s);

describe('Sha256', () => {
  it('matches the FIPS 180-4 test vectors', () => {
    expect(hex(enc(''))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(hex(enc('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hex(enc('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
    expect(hex(new Uint8Array(1_000_000).fill(0x61))).toBe(
      'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0',
    );
  });

  it('gives the same digest however the bytes are split', () => {
    const data = new Uint8Array(randomBytes(70_001));
    const expected = createHash('sha256').update(data).digest('hex');
    for (const step of [1, 63, 64, 65, 1000, 4096 + 7]) {
      const h = new Sha256();
      for (let at = 0; at < data.length; at += step) h.update(data.subarray(at, at + step));
      expect(h.hex()).toBe(expected);
    }
  });

  it('hashes every length around the padding boundary like node:crypto', () => {
    for (let n = 50; n <= 130; n++) {
      const data = new Uint8Array(randomBytes(n));
      expect(hex(data)).toBe(createHash('sha256').update(data).digest('hex'));
    }
  });

  it('hashes a Blob slice by slice with progress', async () => {
    const data = new Uint8Array(randomBytes(2 * 1024 * 1024 + 12_345));
    const seen: number[] = [];
    const digest = await sha256OfBlob(new Blob([data]), (n) => seen.push(n));
    expect(digest).toBe(createHash('sha256').update(data).digest('hex'));
    expect(seen).toEqual([1024 * 1024, 2 * 1024 * 1024, data.length]);
  });

  it('stops when aborted', async () => {
    const abort = new AbortController();
    abort.abort();
    await expect(sha256OfBlob(new Blob([new Uint8Array(10)]), undefined, abort.signal)).rejects.toThrow('cancelled');
  });
});
