import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { EmojiPicker } from '@/features/reactions/components/emoji-picker';
import { reactorNames } from '@/features/reactions/components/reaction-chips';
import { EMOJI_CATEGORIES, searchEmoji } from '@/features/reactions/lib/emoji-data';

describe('emoji data', () => {
  it('every entry is one emoji with a name, and search goes by words', () => {
    for (const c of EMOJI_CATEGORIES) {
      for (const e of c.emoji) {
        expect(e.name).toMatch(/^[a-z]/);
        expect(e.char).not.toMatch(/[A-Za-z0-9\s]/); // what the host accepts (no letters, digits, spaces)
        expect(e.char.length).toBeLessThanOrEqual(16);
      }
    }
    expect(searchEmoji('thumbs').map((e) => e.char)).toEqual(['👍', '👎']);
    expect(searchEmoji('party').map((e) => e.char)).toContain('🎉');
  });

  it('names who reacted, me as "you"', () => {
    const users = { 1: { name: 'ana' }, 2: { name: 'bob' }, 3: { name: 'carol' } };
    expect(reactorNames([2], 1, users)).toBe('bob');
    expect(reactorNames([1, 2, 3], 1, users)).toBe('you, bob and carol');
  });
});

describe('EmojiPicker', () => {
  it('searches, picks with a click or Enter, and closes on Esc', async () => {
    const user = userEvent.setup();
    const picked: string[] = [];
    let closed = 0;
    render(<EmojiPicker anchor={null} onPick={(e) => picked.push(e)} onClose={() => closed++} />);
    const dialog = screen.getByRole('dialog', { name: 'Emoji picker' });
    expect(dialog).toBeInTheDocument();
    await user.click(screen.getByRole('tab', { name: 'Food & drink' }));
    await user.click(screen.getByRole('button', { name: 'pizza' }));
    expect(picked.at(-1)).toBe('🍕');
    await user.type(screen.getByRole('searchbox', { name: 'Search emoji' }), 'tada{Enter}');
    expect(picked.at(-1)).toBe('🎉');
    await user.keyboard('{Escape}');
    expect(closed).toBe(1);
  });
});
