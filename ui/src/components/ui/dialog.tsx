/** A modal dialog: labelled, closes on Esc and backdrop click, focuses its first field. */
import { type ReactNode, useId, useRef } from 'react';

import { useModal } from './use-modal';

type DialogProps = {
  title: string;
  onClose: () => void;
  children: ReactNode;
  wide?: boolean;
};

export function Dialog({ title, onClose, children, wide }: DialogProps) {
  const titleId = useId();
  const ref = useRef<HTMLDivElement>(null);

  useModal(onClose, () =>
    ref.current?.querySelector<HTMLElement>('input, textarea, button, [tabindex="0"]')?.focus(),
  );

  return (
    <div className="backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div
        ref={ref}
        className={wide ? 'dialog dialog-wide' : 'dialog'}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
      >
        <div className="dialog-head">
          <h2 id={titleId}>{title}</h2>
          <button type="button" className="icon-button" aria-label="Close" onClick={onClose}>
            ×
          </button>
        </div>
        {children}
      </div>
    </div>
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
