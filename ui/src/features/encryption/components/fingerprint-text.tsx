/** A fingerprint in groups of four, in a font that tells 2 from Z and 5 from S. */
import './encryption.css';

import { fingerprintGroups } from '@/features/encryption/lib/fingerprint';

export function FingerprintText({ value, label = 'Fingerprint' }: { value: string; label?: string }) {
  return (
    <code className="fingerprint" aria-label={label}>
      {fingerprintGroups(value).join(' ')}
    </code>
  );
}
