/**
 * `:shortcode:` emoji in the composer. The names are GitHub's (`:tada:`, `:+1:`, `:smile:`), from
 * emojibase-data, loaded with a dynamic import the first time a person types `:` plus two
 * letters, so the table (~70 kB) is not in the first page load.
 */
export type Shortcode = { code: string; emoji: string };
export type ShortcodeQuery = { start: number; query: string };

// `:` then at least two of these, right before the caret.
const QUERY = /(^|[\s([{"'])(:[a-z0-9_+-]{2,32})$/i;
const MAX_SUGGESTIONS = 8;

/** The `:query` being typed at the caret, or null. `:` must start a word (not `12:30`, not a URL). */
export function shortcodeQuery(text: string, caret: number): ShortcodeQuery | null {
  const before = text.slice(0, caret);
  const m = QUERY.exec(before);
  if (!m) return null;
  const token = m[2]!;
  return { start: caret - token.length, query: token.slice(1).toLowerCase() };
}

/** Emojibase's hexcode (`1F44D`, `1F469-200D-1F4BB`) as the emoji itself. */
export function fromHexcode(hex: string): string {
  const points = hex.split('-').map((h) => parseInt(h, 16));
  // A lone symbol from the older ranges (☀, ✔) needs the emoji presentation selector.
  if (points.length === 1 && points[0]! < 0x1f000) points.push(0xfe0f);
  return String.fromCodePoint(...points);
}

/** The table: one entry per shortcode, sorted by name. */
export function buildShortcodes(table: Record<string, string | string[]>): Shortcode[] {
  const out: Shortcode[] = [];
  for (const [hex, codes] of Object.entries(table)) {
    const emoji = fromHexcode(hex);
    for (const code of Array.isArray(codes) ? codes : [codes]) out.push({ code, emoji });
  }
  return out.sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
}

/** Prefix matches first (shortest first: `:smile` offers `smile` before `smile_cat`), then the rest containing the query. */
export function matchShortcodes(list: Shortcode[], query: string, limit = MAX_SUGGESTIONS): Shortcode[] {
  const q = query.toLowerCase();
  const prefix = list.filter((s) => s.code.startsWith(q)).sort((a, b) => a.code.length - b.code.length || (a.code < b.code ? -1 : 1));
  if (prefix.length >= limit) return prefix.slice(0, limit);
  const inner = list.filter((s) => !s.code.startsWith(q) && s.code.includes(q));
  return [...prefix, ...inner].slice(0, limit);
}

/** Replace the `:query` at the caret with the emoji (and a space). */
export function insertShortcode(text: string, q: ShortcodeQuery, caret: number, emoji: string) {
  const inserted = `${emoji} `;
  const next = text.slice(0, q.start) + inserted + text.slice(caret).replace(/^ /, '');
  return { text: next, caret: q.start + inserted.length };
}

/** `:tada:` typed in full becomes 🎉 when sent; code spans and blocks are left as written. */
export function expandShortcodes(text: string, list: Shortcode[]): string {
  if (!text.includes(':') || list.length === 0) return text;
  const byCode = new Map(list.map((s) => [s.code, s.emoji]));
  // Split off ``` blocks and `code` spans (odd parts) so they stay literal.
  return text
    .split(/(```[\s\S]*?(?:```|$)|`[^`\n]*`)/)
    .map((part, i) =>
      i % 2 === 1 ? part : part.replace(/(^|[^\w:]):([a-z0-9_+-]{2,32}):(?![\w:])/gi, (all, lead: string, code: string) => {
        const emoji = byCode.get(code.toLowerCase());
        return emoji ? lead + emoji : all;
      }),
    )
    .join('');
}

let loading: Promise<Shortcode[]> | null = null;
let loaded: Shortcode[] = [];

/** Load the table once (a separate chunk); resolves to the same list afterwards. */
export function loadShortcodes(): Promise<Shortcode[]> {
  loading ??= import('emojibase-data/en/shortcodes/github.json').then((mod) => {
    const table = (mod as { default: Record<string, string | string[]> }).default;
    loaded = buildShortcodes(table);
    return loaded;
  });
  return loading;
}

/** The table if it has been loaded, else empty (callers then leave the text as typed). */
export function loadedShortcodes(): Shortcode[] {
  return loaded;
}
