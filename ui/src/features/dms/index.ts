/**
 * The public face of features/dms: what other features and the app use. Stores and api come first
 * so that, when features import each other in a cycle, what runs at call time is already defined.
 */
export { openDm } from './api/dms';
export { roomName, roomTitle } from './lib/room-label';
export { DmList } from './components/dm-list';
export { NewDmDialog } from './components/new-dm-dialog';
