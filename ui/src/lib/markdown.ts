/**
 * Peer text → safe HTML. markdown-it with raw HTML off escapes every tag a peer types; links are
 * kept only for http(s) (typed, or `www.` autolinked) and open in a new tab without an opener or referrer. Images are off (no
 * remote loads from a peer's message). This is the only producer of HTML from peer text.
 */
import MarkdownIt from 'markdown-it';

const md = new MarkdownIt('zero', { html: false, linkify: true, breaks: true, typographer: false });
md.enable(['paragraph', 'code', 'fence', 'blockquote', 'list']);
md.enable(['newline', 'escape', 'backticks', 'emphasis', 'link', 'autolink', 'linkify', 'strikethrough']);
md.linkify.set({ fuzzyEmail: false, fuzzyLink: true });
// Of the links without a scheme only `www.…` ones: a bare `notes.md` or `report.zip` is a file
// name far more often than a site (.md and .zip are top-level domains).
const matchLinks = md.linkify.match.bind(md.linkify);
md.linkify.match = (text: string) => {
  const links = matchLinks(text);
  return links && links.filter((l) => l.schema !== '' || /^www\./i.test(l.raw));
};

const SAFE_URL = /^https?:\/\//i;

md.validateLink = (url: string) => SAFE_URL.test(url.trim());

const defaultLinkOpen =
  md.renderer.rules.link_open ??
  ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));

md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  const token = tokens[idx]!;
  token.attrSet('target', '_blank');
  token.attrSet('rel', 'noopener noreferrer');
  return defaultLinkOpen(tokens, idx, options, env, self);
};

/** Render a message's text to HTML that contains no peer-controlled markup. */
export function renderMarkdown(text: string): string {
  return md.render(text);
}

/** The words of a message without its markdown marks (`**a**` → `a`), for one-line previews. */
export function markdownToText(text: string): string {
  const out: string[] = [];
  for (const block of md.parse(text, {})) {
    if (block.type === 'inline') {
      for (const t of block.children ?? []) {
        if (t.type === 'text' || t.type === 'code_inline') out.push(t.content);
        else if (t.type === 'softbreak' || t.type === 'hardbreak') out.push(' ');
      }
    } else if (block.type === 'code_block' || block.type === 'fence') {
      out.push(block.content);
    } else if (block.nesting === -1) {
      out.push(' ');
    }
  }
  return out.join('').replace(/\s+/g, ' ').trim();
}
