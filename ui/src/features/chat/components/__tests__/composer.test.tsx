import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { act } from 'react';

import { Composer } from '@/features/chat/components/composer';
import { useChat } from '@/features/chat/stores/chat-store';
import { _resetSyncForTests } from '@/features/connection';
import { COMMANDS } from '@/lib/protocol';
import { useCompose } from '@/stores/compose-store';
import { useOutbox } from '@/stores/outbox-store';
import { fake } from '@/testing/fake-socket';
import { BOB, ME, msg, welcome, room } from '@/testing/data';

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

  it('counts characters as the host does: 4,000 emoji go, 4,001 do not', async () => {
    const user = userEvent.setup();
    render(<Composer roomId={1} roomName="general" />);
    useChat.getState().setDraft(1, '😀'.repeat(4001)); // 8,002 UTF-16 units
    await user.click(screen.getByRole('button', { name: 'Send' }));
    expect(screen.getByRole('alert')).toHaveTextContent('at most 4,000 characters (this one has 4,001)');
    expect(useOutbox.getState().entries).toEqual([]);
    act(() => useChat.getState().setDraft(1, '😀'.repeat(4000)));
    await user.click(screen.getByRole('button', { name: 'Send' }));
    expect(useOutbox.getState().entries.map((e) => e.text)).toEqual(['😀'.repeat(4000)]);
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

describe('Composer: mentions, replies, editing', () => {
  beforeEach(() => {
    useChat.setState({ messages: {} });
    useCompose.setState({ editing: null, replyTo: {}, attachments: {} });
    useChat.getState().upsertUser({ id: 3, name: 'bobby', is_host: false, online: true });
  });

  it('@ offers people; arrows move, Enter inserts the name', async () => {
    const user = userEvent.setup();
    render(<Composer roomId={1} roomName="general" />);
    const box = screen.getByRole('textbox', { name: 'Message' });
    await user.type(box, 'hi @bo');
    const list = screen.getByRole('listbox', { name: 'People to mention' });
    // Online people first.
    expect(within(list).getAllByRole('option').map((o) => o.textContent)).toEqual(['bobby', 'bob']);
    await user.keyboard('{ArrowDown}{Enter}');
    expect(box).toHaveValue('hi @bob ');
    expect(screen.queryByRole('listbox')).toBeNull();
    expect(useOutbox.getState().entries).toEqual([]); // Enter picked, it did not send
  });

  it('Esc closes the list, and then Enter sends', async () => {
    const user = userEvent.setup();
    render(<Composer roomId={1} roomName="general" />);
    await user.type(screen.getByRole('textbox', { name: 'Message' }), '@bo{Escape}');
    expect(screen.queryByRole('listbox')).toBeNull();
    await user.keyboard('{Enter}');
    expect(useOutbox.getState().entries.map((e) => e.text)).toEqual(['@bo']);
  });

  it('shows what I reply to; Esc cancels it; a send carries it', async () => {
    const quote = { id: 9, author: { id: 2, name: 'bob' }, snippet: 'lunch?', deleted: false };
    const user = userEvent.setup();
    render(<Composer roomId={1} roomName="general" />);
    act(() => useCompose.getState().startReply(1, quote));
    expect(screen.getByRole('status')).toHaveTextContent('Replying to bob');
    await user.type(screen.getByRole('textbox', { name: 'Message' }), '{Escape}');
    expect(screen.queryByText('Replying to')).toBeNull();
    act(() => useCompose.getState().startReply(1, quote));
    await user.type(screen.getByRole('textbox', { name: 'Message' }), 'yes{Enter}');
    expect(useOutbox.getState().entries[0]).toMatchObject({ text: 'yes', reply_to: quote });
    expect(useCompose.getState().replyTo[1]).toBeUndefined();
  });

  it('↑ in an empty composer edits my last message', async () => {
    useChat.getState().addMessages(1, [msg(1, 1, ME), msg(2, 1, ME), { ...msg(3, 1, ME), deleted: true }, msg(4, 1, BOB)]);
    const user = userEvent.setup();
    render(<Composer roomId={1} roomName="general" />);
    await user.type(screen.getByRole('textbox', { name: 'Message' }), '{ArrowUp}');
    expect(useCompose.getState().editing).toEqual({ roomId: 1, messageId: 2 });
  });
});
