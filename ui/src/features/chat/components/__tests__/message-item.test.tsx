import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { act } from 'react';

import { MessageItem, PendingItem } from '@/features/chat/components/message-item';
import { useChat } from '@/features/chat/stores/chat-store';
import { _resetSyncForTests } from '@/features/connection';
import { COMMANDS, type WireMessage } from '@/lib/protocol';
import { useCompose } from '@/stores/compose-store';
import { useOutbox } from '@/stores/outbox-store';
import { useSession } from '@/stores/session-store';
import { fake } from '@/testing/fake-socket';
import { BOB, ME, msg, room, welcome } from '@/testing/data';

function Item({ id }: { id: number }) {
  const m = useChat((s) => s.messages[1]!.find((x) => x.id === id)!);
  return <MessageItem message={m} own={m.author.id === ME.id} grouped={false} />;
}

function answer(patch: (m: WireMessage) => Partial<WireMessage>) {
  return (p: { message_id: number }) => {
    const m = useChat.getState().messages[1]!.find((x) => x.id === p.message_id)!;
    return { message: { ...m, ...patch(m), rev: m.rev + 1 } };
  };
}

beforeEach(() => {
  fake.reset();
  _resetSyncForTests();
  fake.open();
  useChat.setState({ scope: null, messages: {}, flash: null });
  useCompose.setState({ editing: null, replyTo: {}, attachments: {} });
  useSession.setState({ user: ME });
  useChat.getState().applyWelcome(welcome([room(1, 'general')]));
  useChat.getState().addMessages(1, [
    msg(1, 1, ME, 'my words'),
    { ...msg(2, 1, BOB, 'hi @ana'), mentions: [ME.id], reactions: [{ emoji: '👍', user_ids: [BOB.id] }] },
  ]);
});

describe('MessageItem', () => {
  it('edits my message in place: Enter saves, and "(edited)" shows', async () => {
    fake.handle(COMMANDS.editMessage, (p: { message_id: number; text: string }) => ({
      message: { ...msg(1, 1, ME, p.text), edited_at: '2026-11-23T11:00:00.000Z', rev: 3 },
    }));
    const user = userEvent.setup();
    render(<Item id={1} />);
    await user.click(screen.getByRole('button', { name: 'Edit' }));
    const box = screen.getByRole('textbox', { name: 'Edit message' });
    await user.clear(box);
    await user.type(box, 'better words{Enter}');
    expect(fake.sent.at(-1)).toEqual({ command: COMMANDS.editMessage, payload: { message_id: 1, text: 'better words' } });
    expect(await screen.findByText('better words')).toBeInTheDocument();
    expect(screen.getByText('(edited)')).toBeInTheDocument();
    expect(screen.queryByRole('textbox', { name: 'Edit message' })).toBeNull();
  });

  it('Esc cancels an edit without sending', async () => {
    const user = userEvent.setup();
    render(<Item id={1} />);
    await user.click(screen.getByRole('button', { name: 'Edit' }));
    await user.type(screen.getByRole('textbox', { name: 'Edit message' }), ' more{Escape}');
    expect(screen.queryByRole('textbox', { name: 'Edit message' })).toBeNull();
    expect(fake.sent).toEqual([]);
  });

  it('asks before deleting, then shows a tombstone', async () => {
    fake.handle(COMMANDS.deleteMessage, answer(() => ({ text: '', deleted: true, reactions: [] })));
    const user = userEvent.setup();
    render(<Item id={1} />);
    await user.click(screen.getByRole('button', { name: 'Delete' }));
    const dialog = screen.getByRole('dialog', { name: 'Delete message?' });
    expect(fake.sent).toEqual([]);
    await user.click(within(dialog).getByRole('button', { name: 'Delete' }));
    expect(await screen.findByText('This message was deleted.')).toBeInTheDocument();
    expect(screen.queryByRole('toolbar', { name: 'Message actions' })).toBeNull();
  });

  it('only the author (or the host user) may edit or delete', () => {
    const { rerender } = render(<Item id={2} />);
    expect(screen.queryByRole('button', { name: 'Edit' })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Delete' })).toBeNull();
    act(() => useSession.setState({ user: { ...ME, is_host: true } }));
    rerender(<Item id={2} />);
    expect(screen.getByRole('button', { name: 'Delete' })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Edit' })).toBeNull();
  });

  it('shows reactions as chips naming who reacted; a click toggles mine', async () => {
    fake.handle(COMMANDS.react, answer(() => ({ reactions: [{ emoji: '👍', user_ids: [BOB.id, ME.id] }] })));
    const user = userEvent.setup();
    render(<Item id={2} />);
    const chip = screen.getByRole('button', { name: /reacted by bob/ });
    expect(chip).toHaveAttribute('aria-pressed', 'false');
    expect(chip).toHaveAttribute('title', 'bob reacted with 👍');
    await user.click(chip);
    expect(fake.sent.at(-1)!.payload).toEqual({ message_id: 2, emoji: '👍', on: true });
    const mine = await screen.findByRole('button', { name: /reacted by bob and you/ });
    expect(mine).toHaveAttribute('aria-pressed', 'true');
    expect(within(mine).getByText('2')).toBeInTheDocument();
  });

  it('a message that mentions me is highlighted, and so is the mention', () => {
    render(<Item id={2} />);
    const article = screen.getByText('@ana').closest('article')!;
    expect(article).toHaveClass('mentions-me');
    expect(screen.getByText('@ana')).toHaveClass('mention', 'me');
  });

  it('Reply puts the message in the composer state', async () => {
    const user = userEvent.setup();
    render(<Item id={2} />);
    await user.click(screen.getByRole('button', { name: 'Reply' }));
    expect(useCompose.getState().replyTo[1]).toMatchObject({ id: 2, snippet: 'hi @ana', author: { name: 'bob' } });
  });

  it('a reply shows its quote, which jumps to the original', async () => {
    act(() =>
      useChat.getState().addMessages(1, [
        { ...msg(3, 1, BOB, 'yes'), reply_to: { id: 1, author: { id: ME.id, name: 'ana' }, snippet: 'my words', deleted: false } },
      ]),
    );
    const user = userEvent.setup();
    render(<Item id={3} />);
    await user.click(screen.getByRole('button', { name: /Reply to ana: my words/ }));
    expect(useChat.getState().flash).toMatchObject({ roomId: 1, messageId: 1 });
  });
});

describe('PendingItem', () => {
  function Pending({ clientId }: { clientId: string }) {
    const entry = useOutbox((s) => s.entries.find((e) => e.client_id === clientId));
    return entry ? <PendingItem entry={entry} name="ana" me={1} /> : null;
  }

  it('a message the host refused says why, and offers Retry and Discard', async () => {
    const user = userEvent.setup();
    useOutbox.setState({ scope: 'h1:1', entries: [] });
    const entry = useOutbox.getState().enqueue(1, 'too long, says the host');
    useOutbox.getState().mark(entry.client_id, 'failed', 'The message is over 4,000 characters.');
    render(<Pending clientId={entry.client_id} />);
    const status = screen.getByRole('alert');
    expect(status).toHaveTextContent('Not sent: The message is over 4,000 characters.');
    fake.handle(COMMANDS.sendMessage, (p: { client_id: string }) => ({ message: { ...msg(9, 1, ME, 'x'), client_id: p.client_id } }));
    useSession.setState({ status: 'connected' });
    await user.click(within(status).getByRole('button', { name: 'Retry' }));
    expect(fake.sent.at(-1)).toMatchObject({ command: COMMANDS.sendMessage, payload: { client_id: entry.client_id } });
    await act(async () => {});
    expect(useOutbox.getState().entries).toEqual([]);

    const other = useOutbox.getState().enqueue(1, 'never mind');
    useOutbox.getState().mark(other.client_id, 'failed', 'You are not in this room.');
    render(<Pending clientId={other.client_id} />);
    await user.click(screen.getByRole('button', { name: 'Discard' }));
    expect(useOutbox.getState().entries).toEqual([]);
  });
});
