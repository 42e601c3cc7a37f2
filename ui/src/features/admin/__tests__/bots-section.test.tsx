import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { BotsSection, curlExample } from '@/features/admin/components/bots-section';
import { useChat } from '@/features/chat';
import { COMMANDS, type WireBot, type WireWebhook } from '@/lib/protocol';
import { room, welcome } from '@/testing/data';
import { fake } from '@/testing/fake-socket';

let bots: WireBot[] = [];
let hooks: WireWebhook[] = [];

beforeEach(() => {
  fake.reset();
  fake.open();
  bots = [];
  hooks = [];
  useChat.setState({ scope: null });
  useChat.getState().applyWelcome(welcome([room(1, 'general'), room(2, 'builds')]));
  fake.handle(COMMANDS.listBots, () => ({ bots: structuredClone(bots) }));
  fake.handle(COMMANDS.listWebhooks, () => ({ webhooks: structuredClone(hooks) }));
});

const sent = (command: string) => fake.sent.filter((s) => s.command === command).map((s) => s.payload);

describe('BotsSection', () => {
  it('creates a bot and shows its token once, then a webhook with its URL and a curl example', async () => {
    fake.handle(COMMANDS.createBot, (p: { name: string; avatar: string }) => {
      const bot = { id: 9, name: p.name, is_host: false, bot: true as const, avatar: p.avatar, has_token: true, online: false };
      bots = [bot];
      return { bot, token: 'tok-123' };
    });
    fake.handle(COMMANDS.createWebhook, (p: { bot_id: number; room_id: number }) => {
      const webhook = { id: 4, bot_id: p.bot_id, room_id: p.room_id, room_name: 'builds', created_at: '2026-12-06T10:00:00.000Z' };
      hooks = [webhook];
      return { webhook, path: '/api/hooks/4/s3cret', urls: ['http://192.168.1.5:7301/api/hooks/4/s3cret'] };
    });
    const user = userEvent.setup();
    render(<BotsSection initial={{ bots: structuredClone(bots), webhooks: structuredClone(hooks) }} />);
    await user.type(screen.getByRole('textbox', { name: 'Bot name' }), ' CI <b>bot</b> ');
    await user.click(screen.getByRole('button', { name: 'Create bot' }));
    const token = await screen.findByLabelText('Bot token');
    expect(token).toHaveTextContent('tok-123');
    expect(sent(COMMANDS.createBot)).toEqual([{ name: 'CI <b>bot</b>', avatar: '🤖' }]);
    // Names are text, never markup.
    const row = await screen.findByRole('listitem', { name: 'Bot CI <b>bot</b>' });
    expect(row.querySelector('b')).toBeNull();
    expect(within(row).getByText('BOT')).toBeInTheDocument();

    await user.selectOptions(within(row).getByRole('combobox'), '#builds');
    await user.click(within(row).getByRole('button', { name: 'Add webhook' }));
    expect(await screen.findByLabelText('Webhook URL')).toHaveTextContent('http://192.168.1.5:7301/api/hooks/4/s3cret');
    expect(screen.queryByLabelText('Bot token')).toBeNull(); // the token is gone for good
    expect(screen.getByLabelText('curl example')).toHaveTextContent("curl -X POST 'http://192.168.1.5:7301/api/hooks/4/s3cret'");
    expect(sent(COMMANDS.createWebhook)).toEqual([{ bot_id: 9, room_id: 2 }]);
    expect(await within(row).findByText(/Webhook 4 → #builds/)).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Done, I copied it' }));
    expect(screen.queryByLabelText('Webhook URL')).toBeNull();
  });

  it('shows the host’s refusal, and revokes only after a confirmation', async () => {
    bots = [{ id: 3, name: 'Old bot', is_host: false, bot: true, avatar: '🦊', has_token: true, online: true }];
    fake.handle(COMMANDS.createBot, () => {
      throw new Error('no');
    });
    fake.handle(COMMANDS.revokeBot, () => {
      bots = [{ ...bots[0]!, has_token: false, online: false }];
      return {};
    });
    const user = userEvent.setup();
    render(<BotsSection initial={{ bots: structuredClone(bots), webhooks: structuredClone(hooks) }} />);
    const row = await screen.findByRole('listitem', { name: 'Bot Old bot' });
    expect(row).toHaveTextContent('Connected');
    await user.click(within(row).getByRole('button', { name: 'Revoke Old bot' }));
    expect(sent(COMMANDS.revokeBot)).toEqual([]);
    await user.click(within(row).getByRole('button', { name: 'Revoke' }));
    expect(await within(row).findByText('Revoked: no token')).toBeInTheDocument();
    expect(sent(COMMANDS.revokeBot)).toEqual([{ bot_id: 3 }]);

    await user.type(screen.getByRole('textbox', { name: 'Bot name' }), 'Again');
    await user.click(screen.getByRole('button', { name: 'Create bot' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('The host did not accept that.');
  });

  it('builds a curl example that posts JSON', () => {
    expect(curlExample('http://h:1/api/hooks/1/x')).toContain(`-H 'Content-Type: application/json'`);
    // Over https the host's key is pinned, in curl's spelling of the same hash (backend/tls.py
    // gave this pair for one key).
    const fp = 'LX73UB2VQRAO4XNCKJU42FKDULVK23EQZSX2WDSRGQNGOE4LQKDQ';
    expect(curlExample('https://h:1/api/hooks/1/x', fp)).toContain(
      `--insecure --pinnedpubkey 'sha256//Xf+6B1WEQO5dolJpzRVDouqtbJDMr6sOUTQaZxOLgoc='`,
    );
    expect(curlExample('http://h:1/api/hooks/1/x', fp)).not.toContain('pinnedpubkey');
  });
});
