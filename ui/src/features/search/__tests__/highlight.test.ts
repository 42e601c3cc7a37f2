import { excerpt, highlight, searchable } from '@/features/search/highlight';

const marked = (text: string, query: string) => highlight(text, query).filter((s) => s.mark).map((s) => s.text);

describe('highlight', () => {
  it('marks whole words, ignoring case and accents', () => {
    expect(marked('Café at the CAFE, cafeteria', 'cafe ')).toEqual(['Café', 'CAFE']);
  });

  it('treats the last word as a prefix while it is being typed', () => {
    expect(marked('the deploy is deployed', 'deplo')).toEqual(['deploy', 'deployed']);
    expect(marked('the deploy is deployed', 'the deplo')).toEqual(['the', 'deploy', 'deployed']);
  });

  it('keeps every character of the text, in order', () => {
    const text = 'a <b>bold</b> & bold';
    expect(highlight(text, 'bold').map((s) => s.text).join('')).toBe(text);
  });

  it('knows when there is nothing to search for', () => {
    expect(searchable('  ?! ')).toBe(false);
    expect(searchable('é')).toBe(true);
    expect(highlight('text', '!!')).toEqual([{ text: 'text', mark: false }]);
  });
});

describe('excerpt', () => {
  it('cuts a long text around the first match', () => {
    const text = `${'x '.repeat(300)}needle${' y'.repeat(300)}`;
    const parts = excerpt(highlight(text, 'needle'), 100);
    const joined = parts.map((p) => p.text).join('');
    expect(joined.startsWith('…')).toBe(true);
    expect(joined.endsWith('…')).toBe(true);
    expect(parts.some((p) => p.mark && p.text === 'needle')).toBe(true);
    expect(joined.length).toBeLessThanOrEqual(102);
  });

  it('leaves short texts alone', () => {
    const parts = highlight('short needle', 'needle');
    expect(excerpt(parts)).toBe(parts);
  });
});
