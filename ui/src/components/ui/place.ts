/**
 * Where a floating box goes next to its anchor, in viewport coordinates: below the anchor if it
 * fits, else above, else on the side with more room; its start edge on the anchor's start edge if
 * it fits, else its end edge on the anchor's end edge (or the other way round, `prefer: 'end'`); then clamped so every edge stays at least
 * `margin` inside the viewport (a box bigger than the viewport keeps its top-left corner on screen).
 */
export type Rect = { top: number; left: number; bottom: number; right: number };
export type Size = { width: number; height: number };
export type Placement = { top: number; left: number; side: 'above' | 'below'; align: 'start' | 'end' };

export const OVERLAY_MARGIN = 8;
export const OVERLAY_GAP = 6;

function clamp(value: number, min: number, max: number): number {
  return Math.max(min, Math.min(value, Math.max(min, max)));
}

export function placeNear(
  anchor: Rect,
  box: Size,
  viewport: Size,
  {
    margin = OVERLAY_MARGIN,
    gap = OVERLAY_GAP,
    prefer = 'start',
  }: { margin?: number; gap?: number; prefer?: 'start' | 'end' } = {},
): Placement {
  const roomBelow = viewport.height - margin - (anchor.bottom + gap);
  const roomAbove = anchor.top - gap - margin;
  const side = box.height <= roomBelow || (box.height > roomAbove && roomBelow >= roomAbove) ? 'below' : 'above';
  const rawTop = side === 'below' ? anchor.bottom + gap : anchor.top - gap - box.height;

  const fitsFromStart = anchor.left + box.width <= viewport.width - margin;
  const fitsFromEnd = anchor.right - box.width >= margin;
  const align = prefer === 'end' ? (fitsFromEnd || !fitsFromStart ? 'end' : 'start') : fitsFromStart || !fitsFromEnd ? 'start' : 'end';
  const rawLeft = align === 'start' ? anchor.left : anchor.right - box.width;

  return {
    top: clamp(rawTop, margin, viewport.height - margin - box.height),
    left: clamp(rawLeft, margin, viewport.width - margin - box.width),
    side,
    align,
  };
}

/** Whether an element's box still shows inside `clip` (its scroll container, or the viewport). */
export function isVisibleIn(anchor: Rect, clip: Rect): boolean {
  return anchor.bottom > clip.top && anchor.top < clip.bottom && anchor.right > clip.left && anchor.left < clip.right;
}
