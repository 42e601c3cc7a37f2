/** A bell, drawn (emoji fonts are missing on many Linux desktops); struck through when muted. */
export function BellIcon({ off = false }: { off?: boolean }) {
  return (
    <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false">
      <path
        d="M6 17V11a6 6 0 0 1 12 0v6l1.5 2h-15zM10 21h4"
        fill="none"
        stroke="currentColor"
        strokeWidth="2"
        strokeLinejoin="round"
        strokeLinecap="round"
      />
      {off && <path d="M4 4l16 16" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />}
    </svg>
  );
}
