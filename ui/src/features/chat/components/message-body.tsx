import { memo } from 'react';

import { renderMarkdown } from '@/lib/markdown';

/**
 * A message's text as markdown. The HTML comes only from lib/markdown.ts (raw HTML disabled,
 * http/https links only), so nothing a peer types can become markup or script.
 */
export const MessageBody = memo(function MessageBody({ text }: { text: string }) {
  return <div className="msg-body" dangerouslySetInnerHTML={{ __html: renderMarkdown(text) }} />;
});
