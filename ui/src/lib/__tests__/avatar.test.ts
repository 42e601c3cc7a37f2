import { AVATAR_COLORS, AVATAR_TEXT, avatarColors, contrastRatio, initials } from '@/lib/avatar';

// The panels avatars sit on (app/styles.css): light --panel, --sidebar, --bg; dark the same.
const LIGHT_PANELS = ['#ffffff', '#eef0f4', '#f6f7f9'];
const DARK_PANELS = ['#1b1f27', '#12151a', '#15181e'];

describe('initials', () => {
  it('takes the first letters of the first and last words', () => {
    expect(initials('Ana Lopez')).toBe('AL');
    expect(initials('ana maría de la cruz')).toBe('AC');
    expect(initials('Jean-Luc Picard')).toBe('JP');
    expect(initials('bob')).toBe('B');
    expect(initials('  zoë   ')).toBe('Z');
  });

  it('keeps whole characters of any script, and emoji whole', () => {
    expect(initials('李小龙')).toBe('李');
    expect(initials('Мария Иванова')).toBe('МИ');
    expect(initials('🎉 party')).toBe('🎉P');
    expect(initials('👍🏽 x')).toBe('👍🏽X');
    expect(initials('e\u0301mile')).toBe('E\u0301'); // a combining accent stays with its letter
  });

  it('skips punctuation before a word, and never returns nothing', () => {
    expect(initials('(Ana) @bo')).toBe('AB');
    expect(initials('')).toBe('?');
    expect(initials('   ')).toBe('?');
  });

  it('keeps a symbol that starts a word as typed (it is shown as text)', () => {
    expect(initials('<b>x</b> y')).toBe('<Y');
  });
});

describe('avatarColors', () => {
  it('is stable per user id and does not depend on the name', () => {
    for (const id of [1, 2, 3, 42, 1000, 2 ** 31]) {
      expect(avatarColors(id)).toBe(avatarColors(id));
      expect(AVATAR_COLORS).toContain(avatarColors(id));
    }
  });

  it('gives neighbouring ids different colours and uses the whole palette', () => {
    for (let id = 1; id < 200; id++) expect(avatarColors(id)).not.toBe(avatarColors(id + 1));
    const used = new Set(Array.from({ length: 120 }, (_, i) => avatarColors(i + 1)));
    expect(used.size).toBe(AVATAR_COLORS.length);
  });

  it('has readable initials in light and dark (WCAG AA, 4.5:1) and discs that stand out (3:1)', () => {
    for (const [light, dark] of AVATAR_COLORS) {
      expect(contrastRatio(light, AVATAR_TEXT[0])).toBeGreaterThanOrEqual(4.5);
      expect(contrastRatio(dark, AVATAR_TEXT[1])).toBeGreaterThanOrEqual(4.5);
      for (const panel of DARK_PANELS) expect(contrastRatio(dark, panel)).toBeGreaterThanOrEqual(3);
      for (const panel of LIGHT_PANELS) expect(contrastRatio(light, panel)).toBeGreaterThanOrEqual(3);
    }
  });
});

describe('contrastRatio', () => {
  it('matches the WCAG figures for black and white', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#777777', '#777777')).toBe(1);
  });
});
