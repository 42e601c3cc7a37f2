/**
 * The public face of features/mentions: other features and the app import only from here.
 */
export { highlightMentions, insertMention, mentionQuery, suggestUsers } from './lib/mentions';
export type { MentionName, MentionQuery } from './lib/mentions';
export { mentionOptionId, MentionPopup } from './components/mention-popup';
