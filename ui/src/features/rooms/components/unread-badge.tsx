/**
 * A room's unread badge: the count, or the stronger red `@N` when N of them mention me. In a
 * direct message every message is addressed to me, so its count is red too.
 */
export function UnreadBadge({ count, mentions, dm = false }: { count: number; mentions: number; dm?: boolean }) {
  if (count <= 0) return null;
  if (dm) {
    return (
      <span className="badge mention-badge" aria-label={`${count} unread`}>
        {count}
      </span>
    );
  }
  if (mentions > 0) {
    return (
      <span className="badge mention-badge" aria-label={`${count} unread, ${mentions} mentioning you`}>
        @{mentions}
      </span>
    );
  }
  return (
    <span className="badge" aria-label={`${count} unread`}>
      {count}
    </span>
  );
}
