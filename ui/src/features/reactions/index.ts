/**
 * The public face of features/reactions: other features and the app import only from here.
 * Stores and api come first, so that when features import each other in a cycle, what is
 * called at run time is already defined.
 */
export { react } from './api/react';
export { emojiName, QUICK_REACTIONS } from './lib/emoji-data';
export { EmojiPicker } from './components/emoji-picker';
export { ReactionChips } from './components/reaction-chips';
