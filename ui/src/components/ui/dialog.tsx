/**
 * A modal dialog on the overlay layer: labelled, aria-modal, focus starts in its first field (not
 * the × button), Tab and Shift+Tab stay inside, Esc and a backdrop click close it, and focus goes
 * back to what opened it.
 */
import { type KeyboardEvent, type ReactNode, useId, useLayoutEffect, useRef, useState } from 'react';

import { initialFocus, restoreFocus, trapTab } from './focus';
import { Layer } from './layer';

type DialogProps = {
  title: string;
  onClose: () => void;
  children: ReactNode;
  wide?: boolean;
};

export function Dialog({ title, onClose, children, wide }: DialogProps) {
  const titleId = useId();
  const ref = useRef<HTMLDivElement>(null);
  const bodyRef = useRef<HTMLDivElement>(null);
  // Read while rendering, before anything in the dialog (autoFocus included) can take focus.
  const [opener] = useState(() => (typeof document === 'undefined' ? null : document.activeElement));
  // The listeners below outlive a render; they call the latest onClose through this ref.
  const closeRef = useRef(onClose);
  useLayoutEffect(() => {
    closeRef.current = onClose;
  });

  useLayoutEffect(() => {
    const start = (bodyRef.current && initialFocus(bodyRef.current)) ?? ref.current;
    start?.focus({ preventScroll: true });
    // Esc with focus outside the dialog (on the page body after a click on plain text) closes it
    // too; with focus inside, the dialog's own handler answers and the layer stops the key.
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        closeRef.current();
      }
    };
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
      restoreFocus(opener);
    };
  }, [opener]);

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      onClose();
    } else if (e.key === 'Tab' && ref.current && trapTab(ref.current, e.shiftKey)) {
      e.preventDefault();
    }
  };

  return (
    <Layer>
      <div className="backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
        <div
          ref={ref}
          className={wide ? 'dialog dialog-wide' : 'dialog'}
          role="dialog"
          aria-modal="true"
          aria-labelledby={titleId}
          tabIndex={-1}
          onKeyDown={onKeyDown}
        >
          <div className="dialog-head">
            <h2 id={titleId}>{title}</h2>
            <button type="button" className="icon-button" aria-label="Close" onClick={onClose}>
              ×
            </button>
          </div>
          <div ref={bodyRef} className="dialog-body">
            {children}
          </div>
        </div>
      </div>
    </Layer>
  );
}

/** A form dialog's last lines: what went wrong, if anything, then Cancel and the dialog's own action. */
export function DialogActions({ error, onCancel, children }: { error: string | null; onCancel: () => void; children: ReactNode }) {
  return (
    <>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="row-end">
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        {children}
      </div>
    </>
  );
}
