/**
 * Marks the query's words inside a result's rendered markdown (lib/markdown.ts output), by
 * splitting text nodes and creating elements: peer text never passes through HTML here. Links
 * become plain spans, because the whole result is one button to its message (a link inside would
 * be a second, nested control).
 */
import { highlight } from '@/features/search/highlight';

export function markMatches(root: HTMLElement, query: string): void {
  for (const a of [...root.querySelectorAll('a')]) {
    const span = document.createElement('span');
    span.className = 'search-link';
    span.append(...a.childNodes);
    a.replaceWith(span);
  }
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const texts: Text[] = [];
  while (walker.nextNode()) texts.push(walker.currentNode as Text);
  for (const node of texts) {
    const parts = highlight(node.data, query);
    if (!parts.some((p) => p.mark)) continue;
    const out = document.createDocumentFragment();
    for (const p of parts) {
      if (!p.mark) {
        out.append(p.text);
        continue;
      }
      const mark = document.createElement('mark');
      mark.textContent = p.text;
      out.append(mark);
    }
    node.replaceWith(out);
  }
}

/** Scroll a clamped snippet so that its first mark shows (a match deep in a long message). */
export function revealFirstMark(root: HTMLElement): void {
  const mark = root.querySelector('mark');
  if (!mark) return;
  const top = mark.getBoundingClientRect().top - root.getBoundingClientRect().top + root.scrollTop;
  if (top + mark.getBoundingClientRect().height > root.clientHeight) root.scrollTop = Math.max(0, top - root.clientHeight / 3);
}
