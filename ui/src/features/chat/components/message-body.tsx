import { memo, useLayoutEffect, useMemo, useRef } from 'react';

import { highlightMentions, type MentionName } from '@/features/mentions/lib/mentions';
import { renderMarkdown } from '@/lib/markdown';

/**
 * A message's text as markdown. The HTML comes only from lib/markdown.ts (raw HTML disabled,
 * http/https links only), so nothing a peer types can become markup or script. Mentions are then
 * marked by splitting text nodes and creating elements (features/mentions), never by HTML.
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
  return <div ref={ref} className="msg-body" dangerouslySetInnerHTML={{ __html: html }} />;
});
