/**
 * The public face of features/rooms: other features and the app import only from here.
 * Stores and api come first, so that when features import each other in a cycle, what is
 * called at run time is already defined.
 */
export {
  _resetRoomsForTests,
  afterLeaving,
  createRoom,
  leaveRoom,
  markRoomRead,
  openRoom,
  refreshMembers,
  refreshReadMarks,
  resendReadMarks,
} from './api/rooms';
export { daysText, parseDays, retentionNotice } from './lib/retention';
export { useRoomKeys } from './hooks/use-room-keys';
export { useTitleUnread, useUnread } from './hooks/use-unread';
export { LeaveRoomButton } from './components/leave-room-button';
export { RetentionChoices } from './components/retention-choices';
export type { RetentionChoice } from './components/retention-choices';
export { RetentionNotice } from './components/retention-notice';
export { RoomRetentionButton } from './components/room-retention-button';
export { RoomSidebar } from './components/room-sidebar';
export { RoomSwitcher } from './components/room-switcher';
export { UnreadBadge } from './components/unread-badge';
