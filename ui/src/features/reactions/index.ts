/**
 * The public face of features/reactions: what other features and the app use. Stores and api come first
 * so that, when features import each other in a cycle, what runs at call time is already defined.
 */
export { react } from './api/react';
export { emojiName, QUICK_REACTIONS } from './lib/emoji-data';
export { EmojiPicker } from './components/emoji-picker';
export { ReactionChips } from './components/reaction-chips';
