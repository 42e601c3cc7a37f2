import { markdownToText, renderMarkdown } from '@/lib/markdown';

function render(text: string): HTMLElement {
  const div = document.createElement('div');
  div.innerHTML = renderMarkdown(text);
  return div;
}

describe('renderMarkdown', () => {
  it('shows raw HTML from a peer as text', () => {
    const el = render('<img src=x onerror=alert(1)>');
    expect(el.querySelector('img')).toBeNull();
    expect(el.querySelector('[onerror]')).toBeNull();
    expect(el.textContent).toContain('<img src=x onerror=alert(1)>');
  });

  it('never links javascript:, data: or relative URLs', () => {
    const el = render('[a](javascript:alert(1)) [b](data:text/html,hi) [c](/local) javascript:alert(2)');
    expect(el.querySelectorAll('a')).toHaveLength(0);
    expect(el.textContent).toContain('[a](javascript:alert(1))');
  });

  it('links http(s) with a new tab, no opener and no referrer', () => {
    const el = render('see https://example.com/x and [docs](http://example.org)');
    const links = [...el.querySelectorAll('a')];
    expect(links.map((a) => a.getAttribute('href'))).toEqual(['https://example.com/x', 'http://example.org']);
    for (const a of links) {
      expect(a.getAttribute('rel')).toBe('noopener noreferrer');
      expect(a.getAttribute('target')).toBe('_blank');
    }
  });

  it('renders bold, italic, inline code, code blocks and quotes', () => {
    const el = render('**b** *i* `c`\n\n```\nblock\n```\n\n> quoted');
    expect(el.querySelector('strong')?.textContent).toBe('b');
    expect(el.querySelector('em')?.textContent).toBe('i');
    expect(el.querySelector('p code')?.textContent).toBe('c');
    expect(el.querySelector('pre code')?.textContent).toBe('block\n');
    expect(el.querySelector('blockquote')?.textContent?.trim()).toBe('quoted');
  });

  it('does not load images from peers', () => {
    expect(render('![x](https://example.com/a.png)').querySelector('img')).toBeNull();
  });
});

describe('markdownToText', () => {
  it('keeps the words and drops the marks', () => {
    expect(markdownToText('Morning! The **release notes** are in the _wiki_.')).toBe(
      'Morning! The release notes are in the wiki.',
    );
    expect(markdownToText('use `v2` and ~~v1~~\nthen [docs](https://x.example)')).toBe(
      'use v2 and v1 then docs',
    );
    expect(markdownToText('<b>not markup</b> snake_case_name')).toBe('<b>not markup</b> snake_case_name');
    expect(markdownToText('> quoted\n\n- one\n- two')).toBe('quoted one two');
  });
});

describe('www autolinks', () => {
  it('links www. addresses safely, with http and no opener', () => {
    const html = renderMarkdown('see www.example.com/a?b=1 today');
    expect(html).toContain('<a href="http://www.example.com/a?b=1" target="_blank" rel="noopener noreferrer">www.example.com/a?b=1</a>');
  });

  it('leaves bare file-like names alone', () => {
    expect(renderMarkdown('open notes.md and report.zip')).not.toContain('<a');
  });

  it('still links typed http(s) URLs and refuses other schemes', () => {
    expect(renderMarkdown('https://example.org')).toContain('href="https://example.org"');
    expect(renderMarkdown('javascript:alert(1)')).not.toContain('<a');
  });
});
