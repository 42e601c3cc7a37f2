/**
 * What a screen reader says for a reaction's emoji: the Unicode (CLDR) name for the quick
 * reactions and other common ones, else the built-in set's first search word.
 */
import { emojiName } from './emoji-data';

const SPOKEN: Record<string, string> = {
  '👍': 'thumbs up',
  '👎': 'thumbs down',
  '❤️': 'red heart',
  '😂': 'face with tears of joy',
  '🎉': 'party popper',
  '🚀': 'rocket',
  '👀': 'eyes',
  '🙏': 'folded hands',
  '🔥': 'fire',
  '✅': 'check mark button',
  '😮': 'face with open mouth',
  '😢': 'crying face',
};

export function spokenEmojiName(char: string): string {
  return SPOKEN[char] ?? emojiName(char);
}

/** "thumbs up, 2 people" */
export function reactionLabel(char: string, count: number): string {
  return `${spokenEmojiName(char)}, ${count} ${count === 1 ? 'person' : 'people'}`;
}
