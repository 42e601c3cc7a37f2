import { checkFingerprint, fingerprintGroups, normalizeFingerprint } from '@/features/encryption';

const FP = 'ZKLYCEWKDO64V6WCGGZZUI64JWTYN37YCR6E44VZQB3YLL7OJC5Q';
const OTHER = 'HYR6QFQAHFMUUM4JJ5SWJYNRGSF326QARDKCYSWLOPXK5VM4ACOQ';

describe('fingerprints', () => {
  it('reads one as people write it: groups, dashes, lower case', () => {
    expect(normalizeFingerprint(fingerprintGroups(FP).join(' ').toLowerCase())).toBe(FP);
    expect(normalizeFingerprint(fingerprintGroups(FP).join('-'))).toBe(FP);
    expect(normalizeFingerprint(FP.slice(1))).toBeNull();
    expect(normalizeFingerprint(`${FP.slice(1)}0`)).toBeNull(); // 0 is not base32
    expect(normalizeFingerprint(null)).toBeNull();
  });

  it('shows 13 groups of four', () => {
    const groups = fingerprintGroups(FP);
    expect(groups).toHaveLength(13);
    expect(groups.every((g) => g.length === 4)).toBe(true);
    expect(groups.join('')).toBe(FP);
  });

  it('compares the invite link with the host', () => {
    expect(checkFingerprint('', FP)).toBe('none');
    expect(checkFingerprint(FP.toLowerCase(), FP)).toBe('match');
    expect(checkFingerprint(OTHER, FP)).toBe('mismatch');
    // A link that promised a key, to a host serving plain HTTP; a mangled fingerprint.
    expect(checkFingerprint(FP, null)).toBe('mismatch');
    expect(checkFingerprint('nonsense', FP)).toBe('mismatch');
  });
});
