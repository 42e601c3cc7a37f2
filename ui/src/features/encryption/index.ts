/**
 * The public face of features/encryption: the host's TLS state as people see it (the fingerprint,
 * the join screen's explanation and stop warning, the "Not encrypted" marker).
 */
export { type HostTls, hostTls, tlsOf } from './api/host-tls';
export { useHostTls } from './api/use-host-tls';
export { FingerprintText } from './components/fingerprint-text';
export { HostIdentity } from './components/host-identity';
export { NotEncryptedMarker } from './components/not-encrypted-marker';
export { checkFingerprint, type FingerprintCheck, fingerprintGroups, normalizeFingerprint, spkiPin } from './lib/fingerprint';
