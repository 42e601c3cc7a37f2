import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { describe, expect, it, vi } from 'vitest';

import { Dialog, DialogActions } from '../dialog';

function Opener({ onClose = () => {} }: { onClose?: () => void }) {
  const [open, setOpen] = useState(false);
  const close = () => {
    onClose();
    setOpen(false);
  };
  return (
    <div data-testid="app">
      <button type="button" onClick={() => setOpen(true)}>
        New room
      </button>
      {open && (
        <Dialog title="New room" onClose={close}>
          <label htmlFor="name">Room name</label>
          <input id="name" />
          <DialogActions error={null} onCancel={close}>
            <button type="submit">Create</button>
          </DialogActions>
        </Dialog>
      )}
    </div>
  );
}

describe('Dialog', () => {
  it('renders on the layer in <body>, outside the app, labelled and modal', async () => {
    const user = userEvent.setup();
    render(<Opener />);
    await user.click(screen.getByRole('button', { name: 'New room' }));
    const dialog = screen.getByRole('dialog', { name: 'New room' });
    expect(dialog).toHaveAttribute('aria-modal', 'true');
    expect(screen.getByTestId('app')).not.toContainElement(dialog);
    expect(dialog.closest('.layer')?.parentElement).toBe(document.body);
  });

  it('focuses its field, not ×, so typing (a space too) goes into it', async () => {
    const user = userEvent.setup();
    render(<Opener />);
    await user.click(screen.getByRole('button', { name: 'New room' }));
    expect(screen.getByLabelText('Room name')).toHaveFocus();
    await user.keyboard('lunch plans');
    expect(screen.getByLabelText('Room name')).toHaveValue('lunch plans');
    expect(screen.getByRole('dialog')).toBeInTheDocument();
  });

  it('keeps Tab and Shift+Tab inside', async () => {
    const user = userEvent.setup();
    render(<Opener />);
    await user.click(screen.getByRole('button', { name: 'New room' }));
    const dialog = screen.getByRole('dialog');
    await user.tab(); // Cancel
    await user.tab(); // Create
    expect(screen.getByRole('button', { name: 'Create' })).toHaveFocus();
    await user.tab(); // wraps to ×
    expect(screen.getByRole('button', { name: 'Close' })).toHaveFocus();
    await user.tab({ shift: true }); // wraps back to Create
    expect(screen.getByRole('button', { name: 'Create' })).toHaveFocus();
    for (let i = 0; i < 7; i++) {
      await user.tab({ shift: i % 2 === 0 });
      expect(dialog).toContainElement(document.activeElement as HTMLElement);
    }
  });

  it('closes on Escape and gives focus back to what opened it', async () => {
    const onClose = vi.fn();
    const user = userEvent.setup();
    render(<Opener onClose={onClose} />);
    const opener = screen.getByRole('button', { name: 'New room' });
    await user.click(opener);
    await user.keyboard('{Escape}');
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(opener).toHaveFocus();
  });

  it('closes on a press on the backdrop, not on one inside', async () => {
    const onClose = vi.fn();
    const user = userEvent.setup();
    render(<Opener onClose={onClose} />);
    await user.click(screen.getByRole('button', { name: 'New room' }));
    await user.click(screen.getByLabelText('Room name'));
    expect(onClose).not.toHaveBeenCalled();
    await user.click(document.querySelector('.backdrop')!);
    expect(onClose).toHaveBeenCalledTimes(1);
  });
});
