/**
 * The public face of features/connection: what other features and the app use. Stores and api come first
 * so that, when features import each other in a cycle, what runs at call time is already defined.
 */
export { _resetSyncForTests, connectToHost, diagnoseConnectError, refreshUnreadCounts, restoreCachedSession, resyncAll, startSync } from './api/sync';
export { ConnectionBanner } from './components/connection-banner';
export { ConnectionDot } from './components/connection-dot';
