/**
 * The search panel's conversation with the host: a debounced `search` per change of the query
 * or filters, "load more" with `before_id`, and answers that arrive out of order ignored.
 */
import { useCallback, useEffect, useRef, useState } from 'react';

import { searchable } from '@/features/search/highlight';
import { COMMANDS, MAX_SEARCH_CHARS, SEARCH_PAGE, type SearchHit, type SearchPayload, type SearchResult } from '@/lib/protocol';
import { RequestError } from '@/lib/request-error';
import { request } from '@/lib/socket';

// Wait for a pause in typing before asking the host.
export const SEARCH_DEBOUNCE_MS = 300;

export type SearchFilters = {
  query: string;
  roomId: number | null;
  authorId: number | null;
  /** The date range as the host takes it (features/search/date-range.ts). */
  after?: string;
  before?: string;
};
export type SearchState = {
  results: SearchHit[];
  hasMore: boolean;
  loading: boolean;
  error: string | null;
  /** The query the results are for ('' before the first answer). */
  answered: string;
};

const EMPTY: SearchState = { results: [], hasMore: false, loading: false, error: null, answered: '' };

function payload(f: SearchFilters, beforeId?: number): SearchPayload {
  return {
    query: f.query.slice(0, MAX_SEARCH_CHARS),
    limit: SEARCH_PAGE,
    ...(f.roomId !== null ? { room_id: f.roomId } : {}),
    ...(f.authorId !== null ? { author_id: f.authorId } : {}),
    ...(beforeId !== undefined ? { before_id: beforeId } : {}),
    ...(f.after !== undefined ? { after: f.after } : {}),
    ...(f.before !== undefined ? { before: f.before } : {}),
  };
}

function errorText(err: unknown): string {
  return err instanceof RequestError ? err.message : 'The search failed.';
}

export function useSearch(filters: SearchFilters, debounceMs = SEARCH_DEBOUNCE_MS) {
  const [state, setState] = useState<SearchState>(EMPTY);
  const seq = useRef(0);

  useEffect(() => {
    const mine = ++seq.current;
    if (!searchable(filters.query)) {
      setState(EMPTY);
      return;
    }
    setState((s) => ({ ...s, loading: true, error: null }));
    const timer = setTimeout(() => {
      request<SearchResult>(COMMANDS.search, payload(filters))
        .then((r) => {
          if (seq.current !== mine) return;
          setState({ results: r.messages, hasMore: r.has_more, loading: false, error: null, answered: filters.query });
        })
        .catch((err: unknown) => {
          if (seq.current !== mine) return;
          setState({ ...EMPTY, error: errorText(err), answered: filters.query });
        });
    }, debounceMs);
    return () => clearTimeout(timer);
  }, [filters, debounceMs]);

  const loadMore = useCallback(() => {
    const last = state.results.at(-1);
    if (!last || !state.hasMore || state.loading) return;
    const mine = seq.current;
    setState((s) => ({ ...s, loading: true, error: null }));
    request<SearchResult>(COMMANDS.search, payload(filters, last.id))
      .then((r) => {
        if (seq.current !== mine) return;
        setState((s) => {
          const seen = new Set(s.results.map((m) => m.id));
          return { ...s, results: [...s.results, ...r.messages.filter((m) => !seen.has(m.id))], hasMore: r.has_more, loading: false };
        });
      })
      .catch((err: unknown) => {
        if (seq.current !== mine) return;
        setState((s) => ({ ...s, loading: false, error: errorText(err) }));
      });
  }, [filters, state.results, state.hasMore, state.loading]);

  return { ...state, loadMore };
}
