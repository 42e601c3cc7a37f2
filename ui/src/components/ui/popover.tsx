/**
 * A box anchored to an element (a picker, a menu, a tooltip) on the overlay layer: placed against
 * the viewport from the anchor's rectangle, flipped above/below and left/right and clamped so it
 * stays whole on screen; it follows the anchor while things scroll and closes when the anchor
 * scrolls out of sight, on Esc (focus goes back to the anchor) and on a press outside it.
 */
import { type CSSProperties, type ReactNode, useCallback, useLayoutEffect, useRef, useState } from 'react';

import { restoreFocus } from './focus';
import { Layer } from './layer';
import { type Placement, isVisibleIn, placeNear } from './place';

type PopoverProps = {
  anchor: HTMLElement | null;
  onClose: () => void;
  children: ReactNode;
  className?: string;
  style?: CSSProperties;
  // 'presentation': the box only places what it holds (a listbox a text field controls).
  role?: 'dialog' | 'menu' | 'tooltip' | 'listbox' | 'presentation';
  label?: string;
  /** Line its end edge up with the anchor's end edge when both fit (e.g. a toolbar at the right). */
  prefer?: 'start' | 'end';
};

/** The nearest ancestor that scrolls (its visible box is where the anchor can be seen), or null. */
function scrollParent(el: HTMLElement): HTMLElement | null {
  for (let p = el.parentElement; p; p = p.parentElement) {
    const { overflowY, overflowX } = getComputedStyle(p);
    if (/(auto|scroll|hidden)/.test(overflowY + overflowX)) return p;
  }
  return null;
}

export function Popover({ anchor, onClose, children, className, style, role = 'dialog', label, prefer }: PopoverProps) {
  const ref = useRef<HTMLDivElement>(null);
  const [place, setPlace] = useState<Placement | null>(null);
  // The listeners below outlive a render; they call the latest onClose through this ref.
  const closeRef = useRef(onClose);
  useLayoutEffect(() => {
    closeRef.current = onClose;
  });

  const reposition = useCallback(() => {
    const box = ref.current;
    if (!box) return;
    const viewport = { width: window.innerWidth, height: window.innerHeight };
    const size = { width: box.offsetWidth, height: box.offsetHeight };
    if (!anchor || !anchor.isConnected) {
      // Nothing to stand next to: the middle of the screen.
      setPlace({
        top: Math.max(8, (viewport.height - size.height) / 2),
        left: Math.max(8, (viewport.width - size.width) / 2),
        side: 'below',
        align: 'start',
      });
      return;
    }
    setPlace(placeNear(anchor.getBoundingClientRect(), size, viewport, { prefer }));
  }, [anchor, prefer]);

  useLayoutEffect(() => {
    reposition();
    const clip = anchor ? scrollParent(anchor) : null;
    const onScroll = (e: Event) => {
      if (ref.current && e.target instanceof Node && ref.current.contains(e.target)) return;
      if (anchor) {
        const view = clip?.getBoundingClientRect() ?? { top: 0, left: 0, bottom: window.innerHeight, right: window.innerWidth };
        if (!anchor.isConnected || !isVisibleIn(anchor.getBoundingClientRect(), view)) {
          closeRef.current();
          return;
        }
      }
      reposition();
    };
    const onDown = (e: PointerEvent) => {
      const t = e.target as Node;
      if (ref.current?.contains(t) || anchor?.contains(t)) return;
      closeRef.current();
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      e.stopPropagation();
      e.preventDefault();
      closeRef.current();
      restoreFocus(anchor);
    };
    window.addEventListener('resize', reposition);
    document.addEventListener('scroll', onScroll, true);
    document.addEventListener('pointerdown', onDown, true);
    document.addEventListener('keydown', onKey, true);
    return () => {
      window.removeEventListener('resize', reposition);
      document.removeEventListener('scroll', onScroll, true);
      document.removeEventListener('pointerdown', onDown, true);
      document.removeEventListener('keydown', onKey, true);
    };
  }, [anchor, reposition]);

  // Closed by a pick inside it: focus would drop to the page; the anchor gets it back instead.
  useLayoutEffect(() => {
    const box = ref.current;
    return () => {
      if (box && document.activeElement instanceof Node && box.contains(document.activeElement)) restoreFocus(anchor);
    };
  }, [anchor]);

  return (
    <Layer>
      <div
        ref={ref}
        className={className ? `popover ${className}` : 'popover'}
        role={role}
        aria-label={label}
        data-side={place?.side}
        style={{
          ...style,
          // Measured at 0,0 and placed in a layout effect, before the browser paints.
          top: place?.top ?? 0,
          left: place?.left ?? 0,
        }}
      >
        {children}
      </div>
    </Layer>
  );
}
