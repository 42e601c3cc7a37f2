/**
 * The public face of features/devices: other features and the app import only from here.
 * Stores and api come first, so that when features import each other in a cycle, what is
 * called at run time is already defined.
 */
export { createRecoveryLink, setAdmin, signInLink } from './api/devices';
export { DevicesDialog } from './components/devices-dialog';
export { SignInLink } from './components/sign-in-link';
