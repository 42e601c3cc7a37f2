/**
 * @mentions in the composer and in message text. The host decides who is mentioned (Message
 * `mentions`: user names matched ignoring case, longest first); here we only find what the user is
 * typing, suggest names, and mark the mentions in rendered text by building elements (never HTML
 * from peer text).
 */
import type { WireUser } from '@/lib/protocol';

/** Names are at most 32 characters (protocol.md), so a longer "@…" is not a mention in progress. */
const MAX_NAME = 32;
const SUGGESTIONS = 8;

export type MentionQuery = { start: number; query: string };

/**
 * The `@name` being typed just before the caret: `start` is the index of the `@`. It must begin
 * the text or follow a space or punctuation (not `mail@host`). Names may contain spaces.
 */
export function mentionQuery(text: string, caret: number): MentionQuery | null {
  const before = text.slice(0, caret);
  const at = before.lastIndexOf('@');
  if (at < 0 || caret - at - 1 > MAX_NAME) return null;
  const prev = at > 0 ? before[at - 1]! : ' ';
  if (/[\p{L}\p{N}_]/u.test(prev)) return null;
  const query = before.slice(at + 1);
  if (/[\n@]/.test(query) || query.startsWith(' ')) return null;
  return { start: at, query };
}

/** Who to offer for `query`: room members first, then prefix matches, online, by name. */
export function suggestUsers(
  query: string,
  users: WireUser[],
  opts: { me: number | null; members?: number[] },
): WireUser[] {
  const q = query.toLowerCase();
  const members = new Set(opts.members ?? []);
  const scored = users
    .filter((u) => u.id !== opts.me)
    .map((u) => {
      const name = u.name.toLowerCase();
      const prefix = name.startsWith(q);
      const word = !prefix && name.split(/\s+/).some((w) => w.startsWith(q));
      return { u, prefix, word };
    })
    .filter((x) => x.prefix || x.word);
  scored.sort(
    (a, b) =>
      Number(members.has(b.u.id)) - Number(members.has(a.u.id)) ||
      Number(b.prefix) - Number(a.prefix) ||
      Number(!!b.u.online) - Number(!!a.u.online) ||
      a.u.name.localeCompare(b.u.name),
  );
  return scored.slice(0, SUGGESTIONS).map((x) => x.u);
}

/** Replace the `@query` at `start…caret` with `@Name ` and say where the caret goes. */
export function insertMention(text: string, q: MentionQuery, caret: number, name: string) {
  const inserted = `@${name} `;
  const next = text.slice(0, q.start) + inserted + text.slice(caret).replace(/^ /, '');
  return { text: next, caret: q.start + inserted.length };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export type MentionName = { name: string; me: boolean };

// Mentions inside code and links stay as they are.
const SKIP = new Set(['CODE', 'PRE', 'A']);

/**
 * Wrap each `@Name` of `names` in the text nodes under `root` in `<span class="mention">`
 * (`mention me` for mine). Only text nodes are split and only elements are created, so nothing
 * from the text is ever parsed as markup. Returns how many were marked.
 */
export function highlightMentions(root: HTMLElement, names: MentionName[]): number {
  if (names.length === 0) return 0;
  const sorted = [...names].sort((a, b) => b.name.length - a.name.length);
  const mine = new Set(sorted.filter((n) => n.me).map((n) => n.name.toLowerCase()));
  const pattern = new RegExp(
    `@(${sorted.map((n) => escapeRegExp(n.name)).join('|')})(?![\\p{L}\\p{N}_])`,
    'giu',
  );
  const doc = root.ownerDocument;
  const walker = doc.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
    acceptNode: (node) => {
      for (let el = node.parentElement; el && el !== root; el = el.parentElement) {
        if (SKIP.has(el.tagName) || el.classList.contains('mention')) return NodeFilter.FILTER_REJECT;
      }
      return NodeFilter.FILTER_ACCEPT;
    },
  });
  const texts: Text[] = [];
  for (let n = walker.nextNode(); n; n = walker.nextNode()) texts.push(n as Text);
  let count = 0;
  for (const node of texts) {
    const value = node.data;
    pattern.lastIndex = 0;
    let match: RegExpExecArray | null;
    let last = 0;
    const parts: Node[] = [];
    while ((match = pattern.exec(value)) !== null) {
      const prev = match.index > 0 ? value[match.index - 1]! : ' ';
      if (/[\p{L}\p{N}_]/u.test(prev)) continue; // mail@host is not a mention
      if (match.index > last) parts.push(doc.createTextNode(value.slice(last, match.index)));
      const span = doc.createElement('span');
      span.className = mine.has(match[1]!.toLowerCase()) ? 'mention me' : 'mention';
      span.textContent = match[0];
      parts.push(span);
      last = match.index + match[0].length;
      count++;
    }
    if (parts.length === 0) continue;
    if (last < value.length) parts.push(doc.createTextNode(value.slice(last)));
    node.replaceWith(...parts);
  }
  return count;
}
