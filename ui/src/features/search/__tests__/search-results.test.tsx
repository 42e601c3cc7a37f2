import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { useChat } from '@/features/chat';
import { _resetSyncForTests } from '@/features/connection';
import { SearchPanel } from '@/features/search/components/search-panel';
import { dateRange } from '@/features/search/date-range';
import { COMMANDS, type SearchHit, type SearchPayload, type WireFile } from '@/lib/protocol';
import { BOB, msg, room, welcome } from '@/testing/data';
import { fake } from '@/testing/fake-socket';

beforeEach(() => {
  fake.reset();
  fake.open();
  _resetSyncForTests();
  useChat.setState({ scope: null });
  useChat.getState().applyWelcome(welcome([room(1, 'general', 30)]));
});

function searches(): SearchPayload[] {
  return fake.sent.filter((s) => s.command === COMMANDS.search).map((s) => s.payload as SearchPayload);
}

const PDF: WireFile = { id: 9, name: 'Q3-budget-report.pdf', size: 2048, mime: 'application/pdf', kind: 'file', sha256: 'a'.repeat(64) };
const OTHER: WireFile = { ...PDF, id: 10, name: 'notes.txt' };

function hit(id: number, text: string, match: SearchHit['match'], attachments: WireFile[] = []): SearchHit {
  return { ...msg(id, 1, BOB, text), attachments, match };
}

describe('search results', () => {
  it('render the message as markdown, with the match marked inside it and no link to follow', async () => {
    fake.handle(COMMANDS.search, () => ({
      messages: [hit(5, 'the **deploy** went [fine](https://example.com) <i>x</i>', { text: true, files: [] })],
      has_more: false,
    }));
    const user = userEvent.setup();
    render(<SearchPanel onClose={() => undefined} />);
    await user.type(screen.getByRole('searchbox', { name: 'Search' }), 'deploy fine');
    const results = await screen.findByRole('list', { name: 'Search results' });
    const item = within(results).getByRole('listitem');
    expect(item.querySelector('strong mark')?.textContent).toBe('deploy');
    expect(item).not.toHaveTextContent('**');
    expect(item.querySelector('a')).toBeNull(); // the card is one button: no control inside it
    expect(item.querySelector('.search-link mark')?.textContent).toBe('fine');
    expect(item.querySelector('i')).toBeNull(); // typed HTML stays text
    expect(item).toHaveTextContent('<i>x</i>');
    // The button is named by where, who and the words, for a screen reader.
    expect(within(item).getByRole('button')).toHaveAccessibleName(/general.*bob.*the deploy went fine/);
  });

  it('show the files whose names matched, and say so', async () => {
    fake.handle(COMMANDS.search, () => ({
      messages: [hit(6, 'numbers for Q3', { text: false, files: [PDF.id] }, [PDF, OTHER])],
      has_more: false,
    }));
    const user = userEvent.setup();
    render(<SearchPanel onClose={() => undefined} />);
    await user.type(screen.getByRole('searchbox', { name: 'Search' }), 'budget');
    const files = await screen.findByRole('list', { name: 'Matched in file name' });
    expect(within(files).getAllByRole('listitem')).toHaveLength(1);
    expect(files).toHaveTextContent('Q3-budget-report.pdf');
    expect(files).toHaveTextContent('2.0 KB');
    expect(files.querySelector('mark')?.textContent).toBe('budget');
    expect(screen.getByText(/1 other file/)).toBeInTheDocument();
  });

  it('send the chosen days as a half-open range, and refuse From after To without asking', async () => {
    fake.handle(COMMANDS.search, () => ({ messages: [], has_more: false }));
    const user = userEvent.setup();
    render(<SearchPanel onClose={() => undefined} />);
    await user.type(screen.getByRole('searchbox', { name: 'Search' }), 'plan');
    await user.type(screen.getByLabelText('From date'), '2026-12-01');
    await user.type(screen.getByLabelText('To date'), '2026-12-06');
    const { after, before } = dateRange('2026-12-01', '2026-12-06') as { after: string; before: string };
    await vi.waitFor(() => expect(searches().at(-1)).toEqual({ query: 'plan', limit: 20, after, before }));
    expect(await screen.findByRole('status')).toHaveTextContent('No messages match “plan” in those dates.');

    const sent = searches().length;
    await user.clear(screen.getByLabelText('From date'));
    await user.type(screen.getByLabelText('From date'), '2026-12-09');
    expect(await screen.findByRole('alert')).toHaveTextContent('“From” must be on or before “To”.');
    await new Promise((r) => setTimeout(r, 400));
    expect(searches()).toHaveLength(sent);

    await user.click(screen.getByRole('button', { name: 'Any date' }));
    await vi.waitFor(() => expect(searches().at(-1)).toEqual({ query: 'plan', limit: 20 }));
  });

  it('↓ from the box walks the results, ↑ goes back; Enter opens one', async () => {
    useChat.getState().replaceMessages(1, [msg(5, 1), msg(6, 1)], false);
    fake.handle(COMMANDS.search, () => ({
      messages: [hit(6, 'plan b', { text: true, files: [] }), hit(5, 'plan a', { text: true, files: [] })],
      has_more: false,
    }));
    const closed = vi.fn();
    const user = userEvent.setup();
    render(<SearchPanel onClose={closed} />);
    const box = screen.getByRole('searchbox', { name: 'Search' });
    await user.type(box, 'plan');
    const [first, second] = within(await screen.findByRole('list', { name: 'Search results' })).getAllByRole('button');
    await user.keyboard('{ArrowDown}');
    expect(first).toHaveFocus();
    await user.keyboard('{ArrowDown}');
    expect(second).toHaveFocus();
    await user.keyboard('{ArrowUp}{ArrowUp}');
    expect(box).toHaveFocus();
    await user.keyboard('{ArrowDown}{ArrowDown}{Enter}');
    await vi.waitFor(() => expect(closed).toHaveBeenCalled());
    expect(useChat.getState().flash).toMatchObject({ roomId: 1, messageId: 5 });
  });
});

describe('dateRange', () => {
  it('is the start of From and the start of the day after To, local time', () => {
    const r = dateRange('2026-03-01', '2026-03-31') as { after: string; before: string };
    expect(new Date(r.after).getTime()).toBe(new Date(2026, 2, 1).getTime());
    expect(new Date(r.before).getTime()).toBe(new Date(2026, 3, 1).getTime());
    expect(dateRange('', '')).toEqual({});
    expect(dateRange('2026-03-02', '')).toEqual({ after: new Date(2026, 2, 2).toISOString() });
    expect(dateRange('2026-03-02', '2026-03-02')).toHaveProperty('before', new Date(2026, 2, 3).toISOString());
    expect(dateRange('2026-03-03', '2026-03-02')).toHaveProperty('error');
    expect(dateRange('nonsense', '')).toHaveProperty('error');
  });
});
