/**
 * The public face of features/connection: other features and the app import only from here.
 * Stores and api come first, so that when features import each other in a cycle, what is
 * called at run time is already defined.
 */
export {
  _resetSyncForTests,
  applyUser,
  connectToHost,
  restoreCachedSession,
  signInWithLink,
  signOutOfThisDevice,
  startSync,
} from './api/sync';
export { ConnectionBanner } from './components/connection-banner';
export { ConnectionDot } from './components/connection-dot';
