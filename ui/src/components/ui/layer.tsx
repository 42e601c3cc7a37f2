/**
 * The one overlay layer: dialogs, pickers, menus and tooltips render here, in a portal into
 * document.body, so no transformed or clipped ancestor (virtual message rows are transformed, the
 * list scrolls and clips) can move, cut or cover them; `.layer` stacks above the app.
 */
import { type ReactNode, type SyntheticEvent } from 'react';
import { createPortal } from 'react-dom';

// React bubbles events from a portal through the component tree, not the DOM: keys typed in a
// dialog opened from a message row would otherwise reach the row's and the list's key handlers.
const stop = (e: SyntheticEvent) => e.stopPropagation();

export function Layer({ children }: { children: ReactNode }) {
  return createPortal(
    <div className="layer" onKeyDown={stop} onKeyUp={stop}>
      {children}
    </div>,
    document.body,
  );
}
