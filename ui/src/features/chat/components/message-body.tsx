import { memo, useLayoutEffect, useMemo, useRef } from 'react';

import { highlightMentions, type MentionName } from '@/features/mentions';
import { renderMarkdown } from '@/lib/markdown';

import { addCopyButtons } from './code-copy';

/**
 * A message's text as markdown. The HTML comes only from lib/markdown.ts (raw HTML disabled,
 * http/https links only), so nothing a peer types can become markup or script. Mentions are then
 * marked by splitting text nodes and creating elements (features/mentions), never by HTML.
 * Fenced code blocks get a Copy button, and syntax highlighting from a chunk loaded only when a
 * message has one.
 */
export const MessageBody = memo(function MessageBody({ text, mentions }: { text: string; mentions?: MentionName[] }) {
  const ref = useRef<HTMLDivElement>(null);
  const html = useMemo(() => renderMarkdown(text), [text]);
  const namesKey = mentions?.map((m) => `${m.me ? 1 : 0}${m.name}`).join('\u0000') ?? '';
  useLayoutEffect(() => {
    if (ref.current && mentions?.length) highlightMentions(ref.current, mentions);
    // namesKey stands for `mentions` (a new array on every render with the same names).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [html, namesKey]);
  useLayoutEffect(() => {
    const root = ref.current;
    if (!root) return;
    const blocks = Array.from(root.querySelectorAll<HTMLElement>('pre > code'));
    if (blocks.length === 0) return;
    addCopyButtons(root);
    let live = true;
    void import('@/features/chat/lib/code-highlight').then(({ highlightBlock }) => {
      // The same html still shown (a new one replaced these nodes): highlight them.
      if (live) for (const code of blocks) if (code.isConnected) highlightBlock(code);
    });
    return () => {
      live = false;
    };
  }, [html]);
  return <div ref={ref} className="msg-body" dangerouslySetInnerHTML={{ __html: html }} />;
});
