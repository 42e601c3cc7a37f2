/**
 * Initials-and-colour avatars: who someone is at a glance, beside their name everywhere.
 *
 * The colour comes from the user's id (never the name: it stays when they rename), picked from
 * pairs chosen for contrast: in light mode a deep colour with white initials, in dark mode a light
 * tint with dark initials, each at least 4.5:1 (WCAG AA text) and the disc at least 3:1 against
 * the panels it sits on (tested in lib/__tests__/avatar.test.ts). Bots keep their emoji.
 */

/** [light-mode background, dark-mode background]; initials are AVATAR_TEXT on them. */
export const AVATAR_COLORS: readonly (readonly [string, string])[] = [
  ['#b3261e', '#f28b82'],
  ['#a23b72', '#f48fb1'],
  ['#7b1fa2', '#ce93d8'],
  ['#5e35b1', '#b39ddb'],
  ['#3949ab', '#9fa8da'],
  ['#1565c0', '#90caf9'],
  ['#00695c', '#80cbc4'],
  ['#2e7d32', '#a5d6a7'],
  ['#5d6b12', '#c5e1a5'],
  ['#795548', '#bcaaa4'],
  ['#bf360c', '#ffab91'],
  ['#37474f', '#b0bec5'],
];
/** The initials' colour on [light, dark] backgrounds. */
export const AVATAR_TEXT = ['#ffffff', '#15181e'] as const;

/** The colour pair of a user, the same on every device and after a rename. */
export function avatarColors(userId: number): readonly [string, string] {
  // Knuth's multiplicative hash: neighbouring ids (people who joined one after another) differ.
  const mixed = Math.imul(Math.abs(Math.trunc(userId)) + 1, 2654435761) >>> 0;
  return AVATAR_COLORS[mixed % AVATAR_COLORS.length]!;
}

function graphemes(text: string): string[] {
  if (typeof Intl !== 'undefined' && 'Segmenter' in Intl) {
    const seg = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
    return Array.from(seg.segment(text), (s) => s.segment);
  }
  return Array.from(text);
}

/** "Ana Lopez" → "AL", "ana" → "A", "李小龙" → "李", "Jean-Luc Picard" → "JP"; at most two. */
export function initials(name: string): string {
  // Words start after spaces; punctuation before a word ("(Ana)", "@bo") is not an initial.
  const words = name
    .trim()
    .split(/\s+/)
    .map((w) => w.replace(/^[\p{P}\p{Z}]+/u, ''))
    .filter(Boolean);
  if (words.length === 0) return '?';
  const first = graphemes(words[0]!)[0] ?? '';
  const last = words.length > 1 ? (graphemes(words[words.length - 1]!)[0] ?? '') : '';
  return (first + last).toLocaleUpperCase();
}

/** WCAG 2 contrast ratio of two #rrggbb colours (1 to 21). */
export function contrastRatio(a: string, b: string): number {
  const luminance = (hex: string) => {
    const [r, g, bl] = [1, 3, 5]
      .map((i) => parseInt(hex.slice(i, i + 2), 16) / 255)
      .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}
