import { describe, expect, it } from 'vitest';

import { isVisibleIn, placeNear } from '../place';

const rect = (left: number, top: number, width: number, height: number) => ({
  left,
  top,
  right: left + width,
  bottom: top + height,
});
const PICKER = { width: 320, height: 360 };
const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };

function inside(p: { top: number; left: number }, box: { width: number; height: number }, vp: { width: number; height: number }) {
  expect(p.left).toBeGreaterThanOrEqual(8);
  expect(p.top).toBeGreaterThanOrEqual(8);
  expect(p.left + box.width).toBeLessThanOrEqual(vp.width - 8);
  expect(p.top + box.height).toBeLessThanOrEqual(vp.height - 8);
}

describe('placeNear', () => {
  it('opens below an anchor high on the screen, its start on the anchor', () => {
    const p = placeNear(rect(100, 100, 30, 24), PICKER, DESKTOP);
    expect(p).toMatchObject({ side: 'below', align: 'start', top: 130, left: 100 });
  });

  it('flips above an anchor near the bottom (the last message)', () => {
    const p = placeNear(rect(600, 800, 30, 24), PICKER, DESKTOP);
    expect(p.side).toBe('above');
    expect(p.top).toBe(800 - 6 - 360);
    inside(p, PICKER, DESKTOP);
  });

  it('lines its end up with the anchor when it would run off the right edge', () => {
    const p = placeNear(rect(1380, 100, 30, 24), PICKER, DESKTOP);
    expect(p.align).toBe('end');
    expect(p.left).toBe(1410 - 320);
    inside(p, PICKER, DESKTOP);
  });

  it("prefer: 'end' grows leftwards from a toolbar at the right, and flips when it cannot", () => {
    expect(placeNear(rect(700, 100, 30, 24), PICKER, DESKTOP, { prefer: 'end' })).toMatchObject({ align: 'end', left: 410 });
    expect(placeNear(rect(20, 100, 30, 24), PICKER, DESKTOP, { prefer: 'end' })).toMatchObject({ align: 'start', left: 20 });
  });

  it('stays whole on a 390 px phone wherever the anchor is', () => {
    for (const [x, y] of [
      [5, 5],
      [360, 5],
      [200, 420],
      [360, 820],
      [5, 820],
    ] as const) {
      inside(placeNear(rect(x, y, 24, 24), PICKER, PHONE), PICKER, PHONE);
    }
  });

  it('takes the roomier side and clamps when neither side has room', () => {
    const short = { width: 390, height: 500 };
    const p = placeNear(rect(100, 300, 30, 24), PICKER, short);
    expect(p.side).toBe('above');
    inside(p, PICKER, short);
  });

  it('keeps the top-left corner on screen for a box bigger than the viewport', () => {
    const p = placeNear(rect(100, 100, 30, 24), { width: 500, height: 1000 }, PHONE);
    expect(p.left).toBe(8);
    expect(p.top).toBe(8);
  });
});

describe('isVisibleIn', () => {
  it('tells an anchor scrolled out of its list from one still showing', () => {
    const list = rect(0, 50, 800, 700);
    expect(isVisibleIn(rect(10, 60, 30, 24), list)).toBe(true);
    expect(isVisibleIn(rect(10, 20, 30, 24), list)).toBe(false);
    expect(isVisibleIn(rect(10, 760, 30, 24), list)).toBe(false);
  });
});
