import { render, screen } from '@testing-library/react';

import { MessageItem } from '@/features/chat/components/message-item';
import { useChat } from '@/features/chat/stores/chat-store';
import { useSession } from '@/stores/session-store';
import { BOB, ME, msg, room, welcome } from '@/testing/data';

beforeEach(() => {
  useChat.setState({ scope: null, messages: {}, flash: null });
  useSession.setState({ user: ME });
  useChat.getState().applyWelcome(welcome([room(1, 'general')]));
});

describe('the BOT badge', () => {
  it('marks a bot author and no one else', () => {
    const bot = { id: 7, name: 'CI', is_host: false };
    render(
      <>
        <MessageItem message={{ ...msg(1, 1, bot, '**green**'), author: { id: 7, name: 'CI', bot: true } }} own={false} grouped={false} />
        <MessageItem message={msg(2, 1, BOB, 'thanks')} own={false} grouped={false} />
      </>,
    );
    const badges = screen.getAllByText('BOT');
    expect(badges).toHaveLength(1);
    expect(badges[0]!.closest('article')).toHaveTextContent('CI');
    expect(screen.getByText('green').tagName).toBe('STRONG'); // markdown as anyone writes it
  });
});
