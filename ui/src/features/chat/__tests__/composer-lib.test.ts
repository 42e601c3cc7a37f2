import { describe, expect, it } from 'vitest';

import { lengthHint } from '@/features/chat/lib/length-hint';
import {
  buildShortcodes,
  expandShortcodes,
  fromHexcode,
  insertShortcode,
  loadShortcodes,
  matchShortcodes,
  shortcodeQuery,
} from '@/features/chat/lib/shortcodes';
import { textLength } from '@/lib/protocol';

const TABLE = buildShortcodes({
  '1F389': 'tada',
  '1F44D': ['+1', 'thumbsup'],
  '1F604': 'smile',
  '1F638': 'smile_cat',
  '1F605': 'sweat_smile',
  '2600': 'sunny',
});

describe('shortcodeQuery', () => {
  it('finds `:` plus two characters at the caret, at the start of a word', () => {
    expect(shortcodeQuery('nice :ta', 8)).toEqual({ start: 5, query: 'ta' });
    expect(shortcodeQuery(':Smi', 4)).toEqual({ start: 0, query: 'smi' });
    expect(shortcodeQuery('(:+1', 4)).toEqual({ start: 1, query: '+1' });
  });

  it('ignores one letter, times, URLs and text after the caret', () => {
    expect(shortcodeQuery('nice :t', 7)).toBeNull();
    expect(shortcodeQuery('at 12:30', 8)).toBeNull();
    expect(shortcodeQuery('http://x', 8)).toBeNull();
    expect(shortcodeQuery('a :tada: b', 10)).toBeNull();
    expect(shortcodeQuery(':tada done', 10)).toBeNull();
  });
});

describe('matchShortcodes', () => {
  it('puts prefix matches first, shortest first, then names containing the query', () => {
    expect(matchShortcodes(TABLE, 'smile').map((s) => s.code)).toEqual(['smile', 'smile_cat', 'sweat_smile']);
    expect(matchShortcodes(TABLE, 'thumb').map((s) => s.emoji)).toEqual(['👍']);
  });

  it('keeps to the limit', () => {
    expect(matchShortcodes(TABLE, 's', 2)).toHaveLength(2);
  });
});

describe('emoji from the table', () => {
  it('turns hexcodes into emoji, adding emoji presentation to old symbols', () => {
    expect(fromHexcode('1F389')).toBe('🎉');
    expect(fromHexcode('2600')).toBe('☀️');
    expect(fromHexcode('1F469-200D-1F4BB')).toBe('👩‍💻');
  });

  it('inserts the pick in place of the query, caret after it', () => {
    const text = 'ship it :ta and go';
    const q = shortcodeQuery(text, 11)!;
    expect(insertShortcode(text, q, 11, '🎉')).toEqual({ text: 'ship it 🎉 and go', caret: 11 });
  });

  it('expands full shortcodes when sent, but not inside code or unknown names', () => {
    expect(expandShortcodes('done :tada: :+1:', TABLE)).toBe('done 🎉 👍');
    expect(expandShortcodes('`:tada:` and ```\n:tada:\n``` :tada:', TABLE)).toBe('`:tada:` and ```\n:tada:\n``` 🎉');
    expect(expandShortcodes('at 10:30:15 :nope:', TABLE)).toBe('at 10:30:15 :nope:');
  });

  it('loads the real emojibase table lazily', async () => {
    const list = await loadShortcodes();
    expect(matchShortcodes(list, 'tada')[0]).toEqual({ code: 'tada', emoji: '🎉' });
    expect(list.length).toBeGreaterThan(1500);
  });
});

describe('lengthHint', () => {
  it('is hidden until 90 % of the limit', () => {
    expect(lengthHint(3599, 4000)).toBeNull();
    expect(lengthHint(3600, 4000)).toEqual({ text: '400 characters left', over: false });
    expect(lengthHint(4000, 4000)).toEqual({ text: '0 characters left', over: false });
    expect(lengthHint(4012, 4000)).toEqual({ text: '12 over the 4,000-character limit', over: true });
  });

  it('counts code points, as the host does', () => {
    expect(lengthHint(textLength('🎉'.repeat(3600)), 4000)?.text).toBe('400 characters left');
  });
});
