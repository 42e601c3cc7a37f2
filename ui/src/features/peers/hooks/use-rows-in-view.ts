/**
 * Which of a scrolling list's rows are in view, or near it (one list height above and below, so
 * rows a person scrolls to are known before they show): an IntersectionObserver over the rows,
 * so scrolling costs no React render. The people panel names them to the host first
 * (presence-watch.ts): on a big host their dots are the ones it must get right.
 */
import { type RefObject, useEffect, useRef } from 'react';

// How far beyond the visible part a row counts as near: a list height each way.
const NEAR = '100% 0px';

/**
 * Tells `onChange` the ids of the rows (`li[data-id]` inside `root`) in or near view, in the
 * order of `ids` (the list's order), whenever they change; none when the list is hidden or gone.
 */
export function useRowsInView(root: RefObject<HTMLElement | null>, ids: readonly number[], onChange: (ids: number[]) => void): void {
  const told = useRef(onChange);
  useEffect(() => {
    told.current = onChange;
  });
  const order = ids.join(',');
  useEffect(() => {
    const list = root.current;
    if (!list || typeof IntersectionObserver === 'undefined') return;
    const inOrder = order === '' ? [] : order.split(',').map(Number);
    const near = new Set<number>();
    let last = '';
    const observer = new IntersectionObserver(
      (entries) => {
        for (const e of entries) {
          const id = Number((e.target as HTMLElement).dataset.id);
          if (e.isIntersecting) near.add(id);
          else near.delete(id);
        }
        const seen = inOrder.filter((id) => near.has(id));
        const key = seen.join(',');
        if (key === last) return;
        last = key;
        told.current(seen);
      },
      { root: list, rootMargin: NEAR },
    );
    for (const row of list.querySelectorAll<HTMLElement>('li[data-id]')) observer.observe(row);
    return () => {
      observer.disconnect();
      told.current([]);
    };
  }, [root, order]);
}
