/** Focus helpers shared by the overlay layer's dialogs and popovers. */

const FOCUSABLE = [
  'a[href]',
  'button:not([disabled])',
  'input:not([disabled]):not([type="hidden"])',
  'select:not([disabled])',
  'textarea:not([disabled])',
  '[tabindex]:not([tabindex="-1"])',
].join(', ');
const FIELD = 'input:not([disabled]):not([type="hidden"]), textarea:not([disabled]), select:not([disabled])';

/** What Tab can reach inside `root`, in order (hidden subtrees left out). */
export function tabbables(root: HTMLElement): HTMLElement[] {
  return [...root.querySelectorAll<HTMLElement>(FOCUSABLE)].filter(
    (el) => el.tabIndex >= 0 && !el.closest('[hidden], [inert]'),
  );
}

/**
 * Where a dialog's focus starts: an element marked autofocus, else its first field (so typing goes
 * where a person expects and a space cannot press a button), else its first other control.
 */
export function initialFocus(root: HTMLElement): HTMLElement | null {
  const marked = root.querySelector<HTMLElement>('[autofocus], [data-autofocus]');
  if (marked) return marked;
  const field = [...root.querySelectorAll<HTMLElement>(FIELD)].find((el) => !el.closest('[hidden], [inert]'));
  return field ?? tabbables(root)[0] ?? null;
}

/**
 * Keeps Tab and Shift+Tab inside `root`: from the last control Tab wraps to the first and back.
 * Returns whether it moved focus (the caller then prevents the browser's own move).
 */
export function trapTab(root: HTMLElement, backwards: boolean): boolean {
  const all = tabbables(root);
  if (all.length === 0) {
    root.focus();
    return true;
  }
  const first = all[0]!;
  const last = all[all.length - 1]!;
  const active = document.activeElement;
  const inside = active instanceof Node && root.contains(active) && active !== root;
  if (backwards && (!inside || active === first)) {
    last.focus();
    return true;
  }
  if (!backwards && (!inside || active === last)) {
    first.focus();
    return true;
  }
  return false;
}

/** Gives focus back to what had it before an overlay opened, if it is still on the page. */
export function restoreFocus(previous: Element | null): void {
  if (previous instanceof HTMLElement && previous.isConnected) previous.focus({ preventScroll: true });
}
