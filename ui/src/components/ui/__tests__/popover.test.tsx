import { act, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useRef, useState } from 'react';
import { describe, expect, it } from 'vitest';

import { Popover } from '../popover';

function Anchored() {
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLButtonElement>(null);
  return (
    <div data-testid="row" style={{ transform: 'translateY(10px)' }}>
      <button ref={ref} type="button" onClick={() => setOpen((o) => !o)}>
        Add reaction
      </button>
      <p>outside</p>
      {open && (
        <Popover anchor={ref.current} onClose={() => setOpen(false)} label="Emoji picker">
          <button type="button">grinning</button>
        </Popover>
      )}
    </div>
  );
}

describe('Popover', () => {
  it('renders in <body>, not inside its (transformed) row', async () => {
    const user = userEvent.setup();
    render(<Anchored />);
    await user.click(screen.getByRole('button', { name: 'Add reaction' }));
    const pop = screen.getByRole('dialog', { name: 'Emoji picker' });
    expect(screen.getByTestId('row')).not.toContainElement(pop);
    expect(pop.style.top).not.toBe('');
  });

  it('closes on a press outside, and on Escape with focus back on its anchor', async () => {
    const user = userEvent.setup();
    render(<Anchored />);
    const anchor = screen.getByRole('button', { name: 'Add reaction' });
    await user.click(anchor);
    await user.click(screen.getByRole('button', { name: 'grinning' }));
    expect(screen.getByRole('dialog')).toBeInTheDocument(); // a press inside keeps it
    await user.click(screen.getByText('outside'));
    expect(screen.queryByRole('dialog')).toBeNull();

    await user.click(anchor);
    await user.click(screen.getByRole('button', { name: 'grinning' }));
    await user.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(anchor).toHaveFocus();
  });

  it('closes when its anchor scrolls out of sight', async () => {
    const user = userEvent.setup();
    render(<Anchored />);
    const anchor = screen.getByRole('button', { name: 'Add reaction' });
    await user.click(anchor);
    anchor.getBoundingClientRect = () => ({ top: -200, bottom: -176, left: 0, right: 30, width: 30, height: 24, x: 0, y: -200, toJSON: () => ({}) });
    act(() => {
      document.dispatchEvent(new Event('scroll'));
    });
    expect(screen.queryByRole('dialog')).toBeNull();
  });
});
