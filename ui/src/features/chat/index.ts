/**
 * The public face of features/chat: other features and the app import only from here.
 * Stores and api come first, so that when features import each other in a cycle, what is
 * called at run time is already defined.
 */
export { totalUnread, unreadCount, unreadMentions, useChat } from './stores/chat-store';
export type { Counted } from './stores/chat-store';
export {
  fetchPage,
  jumpToMessage,
  jumpToPresent,
  loadNewer,
  loadOlder,
  receive,
  receiveChange,
  resyncChanges,
  resyncRoom,
} from './api/history';
export {
  _resetMessagesForTests,
  deleteMessage,
  editMessage,
  flushOutbox,
  notifyTyping,
  retryMessage,
  sendMessage,
} from './api/messages';
export {
  _resetUsersForTests,
  ensureMessageUsers,
  ensureUsers,
  loadAllUsers,
  reloadSmallHostUsers,
  setUsersComplete,
  usersComplete,
} from './api/users';
export {
  _resetPresenceWatchForTests,
  countedRoom,
  roomOnlineChanged,
  showInPanel,
  shownPeople,
  startPresenceWatch,
  watchAfterWelcome,
} from './api/presence-watch';
export { ChatRoom } from './components/chat-room';
