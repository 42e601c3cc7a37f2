/**
 * The host's TLS fingerprint as people compare it: SHA-256 of the certificate's public key, 52
 * base32 characters (A–Z, 2–7), shown in groups of four. Matches backend/tls.py.
 */
const FINGERPRINT = /^[A-Z2-7]{52}$/;

/** `value` as the canonical 52 characters (spaces, dashes, colons and case ignored), or null. */
export function normalizeFingerprint(value: string | null | undefined): string | null {
  if (!value) return null;
  const text = value.replace(/[\s\-:]/g, '').toUpperCase();
  return FINGERPRINT.test(text) ? text : null;
}

/** `ABCD EFGH …`: what a person reads aloud or compares by eye. */
export function fingerprintGroups(fingerprint: string): string[] {
  const groups: string[] = [];
  for (let i = 0; i < fingerprint.length; i += 4) groups.push(fingerprint.slice(i, i + 4));
  return groups;
}

/**
 * What an invite link's `fp=` says about the host that served this page:
 * - `none`: the link carried no fingerprint (or the host serves plain HTTP and none was expected);
 * - `match`: the same key;
 * - `mismatch`: another key, or a link that promised encryption to a host without it, or a
 *   fingerprint that is not one (a mangled link is not trusted either).
 */
export type FingerprintCheck = 'none' | 'match' | 'mismatch';

export function checkFingerprint(fromLink: string, hostFingerprint: string | null | undefined): FingerprintCheck {
  if (!fromLink) return 'none';
  const expected = normalizeFingerprint(fromLink);
  if (!expected) return 'mismatch';
  return expected === normalizeFingerprint(hostFingerprint) ? 'match' : 'mismatch';
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * The same SHA-256 as curl's `--pinnedpubkey sha256//BASE64` (and chromium's SPKI lists) spell it:
 * the 52 base32 characters decoded to their 32 bytes, in base64. Null for a value that is not a
 * fingerprint.
 */
export function spkiPin(fingerprint: string | null | undefined): string | null {
  const fp = normalizeFingerprint(fingerprint);
  if (!fp) return null;
  let bits = 0;
  let value = 0;
  const bytes: number[] = [];
  for (const ch of fp) {
    value = (value << 5) | BASE32.indexOf(ch);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes.push((value >> bits) & 0xff);
    }
  }
  return btoa(String.fromCharCode(...bytes.slice(0, 32)));
}
