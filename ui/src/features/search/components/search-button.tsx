/** The header's Search button; Ctrl+Shift+F (⌘⇧F) opens the panel from anywhere. */
import '@/features/search/components/search.css';

import { useCallback, useEffect, useState } from 'react';

import { SearchIcon } from './search-icon';
import { SearchPanel } from './search-panel';

export function isSearchShortcut(e: KeyboardEvent): boolean {
  return (e.ctrlKey || e.metaKey) && e.shiftKey && !e.altKey && e.key.toLowerCase() === 'f';
}

export function SearchButton() {
  const [open, setOpen] = useState(false);
  const close = useCallback(() => setOpen(false), []);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!isSearchShortcut(e)) return;
      e.preventDefault();
      setOpen(true);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <>
      <button
        type="button"
        className="small topbar-tool"
        aria-label="Search"
        title="Search messages (Ctrl+Shift+F)"
        onClick={() => setOpen(true)}
      >
        <SearchIcon />
        <span className="topbar-tool-label">Search</span>
      </button>
      {open && <SearchPanel onClose={close} />}
    </>
  );
}
