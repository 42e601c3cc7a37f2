/**
 * The public face of features/chat: what other features and the app use. Stores and api come first
 * so that, when features import each other in a cycle, what runs at call time is already defined.
 */
export { totalUnread, unreadCount, unreadMentions, useChat } from './stores/chat-store';
export type { AddOptions, Counted } from './stores/chat-store';
export { fetchPage, jumpToMessage, jumpToPresent, loadNewer, loadOlder, receive, receiveChange, resumePoint, resyncChanges, resyncRoom } from './api/history';
export { _resetMessagesForTests, deleteMessage, discardMessage, editMessage, flushOutbox, notifyTyping, retryMessage, sendMessage } from './api/messages';
export { ChatRoom } from './components/chat-room';
