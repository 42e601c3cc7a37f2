import { highlightMentions, insertMention, mentionQuery, suggestUsers } from '@/features/mentions/lib/mentions';
import { renderMarkdown } from '@/lib/markdown';

describe('mentionQuery', () => {
  it('finds the @name being typed at the caret, not an e-mail address', () => {
    expect(mentionQuery('hi @bo', 6)).toEqual({ start: 3, query: 'bo' });
    expect(mentionQuery('@', 1)).toEqual({ start: 0, query: '' });
    expect(mentionQuery('ana@host', 8)).toBeNull();
    expect(mentionQuery('@bob\nnext', 9)).toBeNull();
    expect(mentionQuery('(@mary ann', 10)).toEqual({ start: 1, query: 'mary ann' });
  });
});

describe('suggestUsers', () => {
  const users = [
    { id: 1, name: 'ana', is_host: false, online: true },
    { id: 2, name: 'bob', is_host: false, online: false },
    { id: 3, name: 'Bobby Tables', is_host: false, online: true },
    { id: 4, name: 'carol bo', is_host: false, online: true },
  ];
  it('offers room members first, then prefix matches, never me', () => {
    const out = suggestUsers('bo', users, { me: 1, members: [3] });
    expect(out.map((u) => u.name)).toEqual(['Bobby Tables', 'bob', 'carol bo']);
    expect(suggestUsers('', users, { me: 1 }).map((u) => u.id)).not.toContain(1);
  });
  it('inserts the picked name with a trailing space and moves the caret after it', () => {
    expect(insertMention('hi @bo there', { start: 3, query: 'bo' }, 6, 'Bobby Tables')).toEqual({
      text: 'hi @Bobby Tables there',
      caret: 17,
    });
  });
});

describe('highlightMentions', () => {
  function render(text: string, names: { name: string; me: boolean }[]) {
    const root = document.createElement('div');
    root.innerHTML = renderMarkdown(text);
    highlightMentions(root, names);
    return root;
  }

  it('wraps mentions (longest name first, any case) and marks mine', () => {
    const root = render('hey @Bobby Tables and @ANA, not @bobcat', [
      { name: 'bob', me: false },
      { name: 'Bobby Tables', me: false },
      { name: 'ana', me: true },
    ]);
    const spans = [...root.querySelectorAll('span.mention')];
    expect(spans.map((s) => s.textContent)).toEqual(['@Bobby Tables', '@ANA']);
    expect(spans[1]).toHaveClass('me');
  });

  it('leaves code and links alone', () => {
    const root = render('`@bob` and [x @bob](https://example.test) and @bob', [{ name: 'bob', me: false }]);
    expect(root.querySelectorAll('span.mention')).toHaveLength(1);
    expect(root.querySelector('code')!.children).toHaveLength(0);
  });

  it('a name or text full of markup stays text: no element comes from peer text', () => {
    const evil = '<img src=x onerror=alert(1)>';
    const root = render(`@${evil} <script>alert(2)</script>`, [{ name: evil, me: false }]);
    expect(root.querySelector('img, script')).toBeNull();
    expect(root.querySelector('span.mention')!.textContent).toBe(`@${evil}`);
    expect(root.textContent).toContain('<script>alert(2)</script>');
  });
});
