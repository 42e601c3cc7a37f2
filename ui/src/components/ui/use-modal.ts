/** What every modal does: focus something inside on open, close on Esc, give focus back on close. */
import { useEffect } from 'react';

export function useModal(onClose: () => void, focusFirst: () => void): void {
  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    focusFirst();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        onClose();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
      previous?.focus?.();
    };
    // focusFirst runs once, on open; onClose is what the listener must follow.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [onClose]);
}
