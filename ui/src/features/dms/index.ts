/**
 * The public face of features/dms: other features and the app import only from here.
 * Stores and api come first, so that when features import each other in a cycle, what is
 * called at run time is already defined.
 */
export { openDm } from './api/dms';
export { roomName, roomTitle } from './lib/room-label';
export { DmList } from './components/dm-list';
export { NewDmDialog } from './components/new-dm-dialog';
