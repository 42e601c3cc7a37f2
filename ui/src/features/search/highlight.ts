/**
 * Which parts of a result's text to mark, following the host's search (docs/protocol.md,
 * `search`): words compared without case or accents, the last word of the query as a prefix
 * while it is still being typed. Returns plain segments; components build elements from them
 * (peer text is never HTML).
 */

const WORD = /[\p{L}\p{N}]+/gu;

export type Segment = { text: string; mark: boolean };

export function fold(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/** The query's words, folded; `prefix` is true when the last one is still being typed. */
export function queryTerms(query: string): { words: string[]; prefix: boolean } {
  const words = (query.match(WORD) ?? []).map(fold);
  return { words, prefix: words.length > 0 && !/\s$/.test(query) };
}

/** True when the query has something to search for (the host wants a letter or digit). */
export function searchable(query: string): boolean {
  return queryTerms(query).words.length > 0;
}

function matches(token: string, words: string[], prefix: boolean): boolean {
  const t = fold(token);
  const lastIndex = words.length - 1;
  return words.some((w, i) => (prefix && i === lastIndex ? t.startsWith(w) : t === w));
}

/** Split `text` into marked and unmarked runs for `query`. */
export function highlight(text: string, query: string): Segment[] {
  const { words, prefix } = queryTerms(query);
  if (words.length === 0) return text ? [{ text, mark: false }] : [];
  const out: Segment[] = [];
  let at = 0;
  for (const m of text.matchAll(WORD)) {
    if (!matches(m[0], words, prefix)) continue;
    const start = m.index;
    if (start > at) out.push({ text: text.slice(at, start), mark: false });
    out.push({ text: m[0], mark: true });
    at = start + m[0].length;
  }
  if (at < text.length) out.push({ text: text.slice(at), mark: false });
  return out;
}

/**
 * A long text cut to about `max` characters around its first mark (with … at the cuts), so the
 * matched words are visible in a one-or-two-line result.
 */
export function excerpt(segments: Segment[], max = 220): Segment[] {
  const total = segments.reduce((n, s) => n + s.text.length, 0);
  if (total <= max) return segments;
  let before = 0;
  for (const s of segments) {
    if (s.mark) break;
    before += s.text.length;
  }
  const from = before > max / 3 ? before - Math.floor(max / 3) : 0;
  const to = from + max;
  const out: Segment[] = [];
  let pos = 0;
  for (const s of segments) {
    const start = pos;
    const end = pos + s.text.length;
    pos = end;
    if (end <= from || start >= to) continue;
    out.push({ text: s.text.slice(Math.max(0, from - start), Math.min(s.text.length, to - start)), mark: s.mark });
  }
  if (from > 0) out.unshift({ text: '…', mark: false });
  if (to < total) out.push({ text: '…', mark: false });
  return out;
}
