/**
 * The public face of features/mentions: what other features and the app use. Stores and api come first
 * so that, when features import each other in a cycle, what runs at call time is already defined.
 */
export { highlightMentions, insertMention, mentionQuery, suggestUsers } from './lib/mentions';
export type { MentionName, MentionQuery } from './lib/mentions';
export { mentionOptionId, MentionPopup } from './components/mention-popup';
