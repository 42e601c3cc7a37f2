import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { useChat } from '@/features/chat';
import { _resetSyncForTests } from '@/features/connection';
import { SearchPanel } from '@/features/search/components/search-panel';
import { COMMANDS, type SearchPayload } from '@/lib/protocol';
import { RequestError } from '@/lib/request-error';
import { BOB, msg, room, welcome } from '@/testing/data';
import { fake } from '@/testing/fake-socket';

beforeEach(() => {
  fake.reset();
  fake.open();
  _resetSyncForTests();
  useChat.setState({ scope: null });
  useChat.getState().applyWelcome(welcome([room(1, 'general', 30), room(2, 'random', 40)]));
});

function searches(): SearchPayload[] {
  return fake.sent.filter((s) => s.command === COMMANDS.search).map((s) => s.payload as SearchPayload);
}

describe('SearchPanel', () => {
  it('asks the host once typing pauses, and marks the matched words without running HTML', async () => {
    fake.handle(COMMANDS.search, () => ({
      messages: [msg(12, 2, BOB, 'the <b>deploy</b> went fine'), msg(7, 1, BOB, 'Deployment tomorrow')],
      has_more: false,
    }));
    const user = userEvent.setup();
    render(<SearchPanel onClose={() => undefined} />);
    await user.type(screen.getByRole('searchbox', { name: 'Search' }), 'deplo');

    const results = await screen.findByRole('list', { name: 'Search results' });
    // Debounced: one request for the whole word, not one per key.
    expect(searches()).toEqual([{ query: 'deplo', limit: 20 }]);
    const items = within(results).getAllByRole('listitem');
    expect(items).toHaveLength(2);
    expect(items[0]).toHaveTextContent('#random');
    expect(items[0]).toHaveTextContent('bob');
    expect(items[0]).toHaveTextContent('the <b>deploy</b> went fine');
    expect(items[0]!.querySelector('b')).toBeNull();
    expect([...results.querySelectorAll('mark')].map((m) => m.textContent)).toEqual(['deploy', 'Deployment']);
  });

  it('filters by room and author, and loads more with before_id', async () => {
    fake.handle(COMMANDS.search, (p: SearchPayload) =>
      p.before_id === undefined ? { messages: [msg(20, 2), msg(19, 2)], has_more: true } : { messages: [msg(3, 2)], has_more: false },
    );
    const user = userEvent.setup();
    render(<SearchPanel onClose={() => undefined} />);
    await user.type(screen.getByRole('searchbox', { name: 'Search' }), 'm');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Room' }), '#random');
    await user.selectOptions(screen.getByRole('combobox', { name: 'Author' }), 'bob');
    await vi.waitFor(() => expect(searches().at(-1)).toEqual({ query: 'm', limit: 20, room_id: 2, author_id: 2 }));
    await screen.findByRole('button', { name: 'Load more' });

    await user.click(screen.getByRole('button', { name: 'Load more' }));
    await screen.findByText('m3');
    expect(searches().at(-1)).toEqual({ query: 'm', limit: 20, room_id: 2, author_id: 2, before_id: 19 });
    expect(screen.queryByRole('button', { name: 'Load more' })).toBeNull();
    expect(within(screen.getByRole('list', { name: 'Search results' })).getAllByRole('listitem')).toHaveLength(3);
  });

  it('says when a query has nothing to search for, and shows the host refusal', async () => {
    fake.handle(COMMANDS.search, () => {
      throw new RequestError('invalid', 'The search needs a letter or a digit.');
    });
    const user = userEvent.setup();
    render(<SearchPanel onClose={() => undefined} />);
    const box = screen.getByRole('searchbox', { name: 'Search' });
    await user.type(box, '??');
    expect(screen.getByRole('status')).toHaveTextContent('Type a word');
    await user.type(box, 'x');
    expect(await screen.findByRole('alert')).toHaveTextContent('The search needs a letter or a digit.');
    // '??' alone was never sent: the one request is for the query once it had a letter.
    expect(searches()).toEqual([{ query: '??x', limit: 20 }]);
  });

  it('opens a result in its room and closes', async () => {
    useChat.getState().setActiveRoom(1);
    useChat.getState().replaceMessages(1, [msg(5, 1), msg(6, 1)], false);
    fake.handle(COMMANDS.search, () => ({ messages: [msg(5, 1, BOB, 'find me')], has_more: false }));
    const closed = vi.fn();
    const user = userEvent.setup();
    render(<SearchPanel onClose={closed} />);
    await user.type(screen.getByRole('searchbox', { name: 'Search' }), 'find');
    await user.click(await screen.findByRole('button', { name: /find/ }));
    expect(closed).toHaveBeenCalled();
    expect(useChat.getState().flash).toMatchObject({ roomId: 1, messageId: 5 });
  });
});
