import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { Composer } from '@/features/chat/components/composer';
import { COMMANDS } from '@/lib/protocol';
import { useChat } from '@/stores/chat-store';
import { useOutbox } from '@/stores/outbox-store';
import { _resetSyncForTests } from '@/stores/sync';
import { fake } from '@/testing/fake-socket';
import { welcome, room } from '@/testing/data';

beforeEach(() => {
  fake.reset();
  _resetSyncForTests();
  useChat.setState({ scope: null, drafts: {} });
  useChat.getState().applyWelcome(welcome([room(1, 'general'), room(2, 'random')]));
  useOutbox.setState({ scope: 'h1:1', entries: [] });
});

describe('Composer', () => {
  it('Enter sends, Shift+Enter adds a newline', async () => {
    const user = userEvent.setup();
    render(<Composer roomId={1} roomName="general" />);
    const box = screen.getByRole('textbox', { name: 'Message' });
    await user.type(box, 'line one{Shift>}{Enter}{/Shift}line two');
    expect(box).toHaveValue('line one\nline two');
    expect(useOutbox.getState().entries).toEqual([]);
    await user.type(box, '{Enter}');
    expect(useOutbox.getState().entries.map((e) => e.text)).toEqual(['line one\nline two']);
    expect(box).toHaveValue('');
  });

  it('keeps a draft per room', async () => {
    const user = userEvent.setup();
    const { rerender } = render(<Composer roomId={1} roomName="general" />);
    await user.type(screen.getByRole('textbox', { name: 'Message' }), 'for general');
    rerender(<Composer roomId={2} roomName="random" />);
    expect(screen.getByRole('textbox', { name: 'Message' })).toHaveValue('');
    rerender(<Composer roomId={1} roomName="general" />);
    expect(screen.getByRole('textbox', { name: 'Message' })).toHaveValue('for general');
  });

  it('refuses text over the limit with a sentence, sending nothing', async () => {
    const user = userEvent.setup();
    render(<Composer roomId={1} roomName="general" />);
    useChat.getState().setDraft(1, 'x'.repeat(4001));
    await user.click(screen.getByRole('button', { name: 'Send' }));
    expect(screen.getByRole('alert')).toHaveTextContent('at most 4,000 characters');
    expect(useOutbox.getState().entries).toEqual([]);
  });

  it('tells the room we are typing at most every 3 s', async () => {
    fake.open();
    fake.handle(COMMANDS.typing, () => ({}));
    const user = userEvent.setup();
    render(<Composer roomId={1} roomName="general" />);
    await user.type(screen.getByRole('textbox', { name: 'Message' }), 'abcdef');
    expect(fake.sent.filter((s) => s.command === COMMANDS.typing)).toEqual([
      { command: COMMANDS.typing, payload: { room_id: 1 } },
    ]);
  });
});
