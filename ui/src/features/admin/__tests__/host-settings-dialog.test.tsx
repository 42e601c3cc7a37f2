import { act, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { HostSettingsDialog } from '@/features/admin/components/host-settings-dialog';
import { useChat } from '@/features/chat';
import { type AdminInfo, type BackupSettings, COMMANDS, type ListBotsResult } from '@/lib/protocol';
import { RequestError } from '@/lib/request-error';
import { useSession } from '@/stores/session-store';
import { room, welcome } from '@/testing/data';
import { fake } from '@/testing/fake-socket';

const INFO: AdminInfo = {
  name: 'Ana’s laptop',
  join_code: 'ABCD1234',
  retention_days: 30,
  devices: [
    { id: 1, user: { id: 1, name: 'ana' }, label: 'Parley window', created_at: '2026-11-23T10:00:00.000Z', last_seen_at: '2026-11-23T10:00:00.000Z', online: true },
    { id: 2, user: { id: 2, name: 'bob' }, label: 'Chrome on Linux', created_at: '2026-11-23T10:05:00.000Z', last_seen_at: '2026-11-23T11:00:00.000Z', online: false },
  ],
};

beforeEach(() => {
  fake.reset();
  fake.open();
  useChat.setState({ scope: null });
  useChat.getState().applyWelcome(welcome([room(1, 'general')]));
  fake.handle(COMMANDS.adminInfo, () => structuredClone(INFO));
  fake.handle(COMMANDS.listBots, () => ({ bots: [] }));
  fake.handle(COMMANDS.listWebhooks, () => ({ webhooks: [] }));
  fake.handle(COMMANDS.getBackupSettings, () => structuredClone(BACKUP));
});

const BACKUP: BackupSettings = { folder: '/home/ana/parley-backups', keep: 7, daily: false, last: null, running: false };

/** An answer the test gives when it chooses: the host's replies come in any order, at any time. */
function later<T>() {
  let give!: (value: T) => void;
  const answer = new Promise<T>((resolve) => (give = resolve));
  return { answer, give: (value: T) => act(async () => give(value)) };
}

/** What a person sees of each section once the dialog is drawn. */
function sections() {
  return [
    screen.queryByRole('textbox', { name: 'Host name' }),
    screen.queryByLabelText('Current join code'),
    screen.queryByRole('heading', { name: 'Bots (0)' }),
    screen.queryByText(/Now: messages older than 30 days are deleted/),
    screen.queryByRole('heading', { name: 'Devices (2)' }),
    screen.queryByRole('button', { name: 'Back up now' }),
    screen.queryByText('No backup yet.'),
    screen.queryByRole('button', { name: 'Export whole host' }),
  ];
}

const sent = (command: string) => fake.sent.filter((s) => s.command === command).map((s) => s.payload);

describe('HostSettingsDialog', () => {
  it('asks for every section’s data at once and draws them all together when the last answer comes', async () => {
    const bots = later<ListBotsResult>();
    const backup = later<BackupSettings>();
    fake.handle(COMMANDS.listBots, () => bots.answer);
    fake.handle(COMMANDS.getBackupSettings, () => backup.answer);
    render(<HostSettingsDialog onClose={() => undefined} />);
    const dialog = screen.getByRole('dialog', { name: 'Host settings' });
    expect(fake.sent.map((s) => s.command).sort()).toEqual(
      [COMMANDS.adminInfo, COMMANDS.getBackupSettings, COMMANDS.listBots, COMMANDS.listWebhooks].sort(),
    );
    expect(within(dialog).getByText('Loading…')).toBeInTheDocument();

    // admin_info and list_webhooks have answered; bots and backup have not: nothing is drawn yet.
    await bots.give({ bots: [] });
    expect(within(dialog).getByText('Loading…')).toBeInTheDocument();
    expect(sections().filter(Boolean)).toEqual([]);

    await backup.give(structuredClone(BACKUP));
    expect(within(dialog).queryByText('Loading…')).toBeNull();
    for (const drawn of sections()) expect(drawn).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Back up now' })).toBeEnabled();
    expect(sent(COMMANDS.adminInfo)).toHaveLength(1); // retention reads it from the same answer
  });

  it('says why when a part is refused, draws nothing of the rest, and tries again', async () => {
    fake.handle(COMMANDS.listWebhooks, () => {
      throw new RequestError('forbidden', 'Only the host’s admins can do that.');
    });
    const user = userEvent.setup();
    render(<HostSettingsDialog onClose={() => undefined} />);
    expect(await screen.findByRole('alert')).toHaveTextContent('Only the host’s admins can do that.');
    expect(sections().filter(Boolean)).toEqual([]);

    fake.handle(COMMANDS.listWebhooks, () => ({ webhooks: [] }));
    await user.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('heading', { name: 'Bots (0)' })).toBeInTheDocument();
    for (const drawn of sections()) expect(drawn).toBeInTheDocument();
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('renames the host', async () => {
    fake.handle(COMMANDS.adminRenameHost, (p: { name: string }) => ({ server: { name: p.name, version: '0.1.0', host_id: 'h1' } }));
    const user = userEvent.setup();
    render(<HostSettingsDialog onClose={() => undefined} />);
    const name = await screen.findByRole('textbox', { name: 'Host name' });
    expect(name).toHaveValue('Ana’s laptop');
    await user.clear(name);
    await user.type(name, '  Team room  ');
    await user.click(screen.getByRole('button', { name: 'Rename' }));
    expect(await screen.findByText(/Renamed/, undefined, { timeout: 5000 })).toBeInTheDocument();
    expect(sent(COMMANDS.adminRenameHost)).toEqual([{ name: 'Team room' }]);
    expect(useSession.getState().server?.name).toBe('Team room');
  });

  it('changes, randomises and turns off the join code, checking the shape first', async () => {
    let code: string | null = 'ABCD1234';
    fake.handle(COMMANDS.adminSetJoinCode, (p: { code: string | null }) => {
      code = p.code === '' ? 'RANDOM99' : p.code;
      return { join_code: code };
    });
    const user = userEvent.setup();
    render(<HostSettingsDialog onClose={() => undefined} />);
    expect(await screen.findByLabelText('Current join code')).toHaveTextContent('ABCD1234');

    await user.type(screen.getByRole('textbox', { name: 'New join code' }), 'abc');
    await user.click(screen.getByRole('button', { name: 'Set' }));
    expect(screen.getByRole('alert')).toHaveTextContent('6–32 letters or digits');
    expect(sent(COMMANDS.adminSetJoinCode)).toEqual([]);

    await user.type(screen.getByRole('textbox', { name: 'New join code' }), 'defgh');
    await user.click(screen.getByRole('button', { name: 'Set' }));
    expect(await screen.findByLabelText('Current join code')).toHaveTextContent('abcdefgh');
    await user.click(screen.getByRole('button', { name: 'New random code' }));
    expect(await screen.findByLabelText('Current join code')).toHaveTextContent('RANDOM99');
    await user.click(screen.getByRole('button', { name: 'Turn off' }));
    expect(await screen.findByText(/Off: anyone/)).toBeInTheDocument();
    expect(sent(COMMANDS.adminSetJoinCode)).toEqual([{ code: 'abcdefgh' }, { code: '' }, { code: null }]);
  });

  it('lists devices and removes one after a confirmation; the host’s own has no Remove', async () => {
    fake.handle(COMMANDS.adminRemoveDevice, () => ({}));
    const user = userEvent.setup();
    render(<HostSettingsDialog onClose={() => undefined} />);
    const own = await screen.findByRole('listitem', { name: 'ana, Parley window' });
    expect(own).toHaveTextContent('(this host)');
    expect(within(own).queryByRole('button')).toBeNull();
    const bob = screen.getByRole('listitem', { name: 'bob, Chrome on Linux' });
    expect(bob).toHaveTextContent('Last seen');

    await user.click(within(bob).getByRole('button', { name: "Remove bob's device" }));
    await user.click(within(bob).getByRole('button', { name: 'Keep' }));
    expect(sent(COMMANDS.adminRemoveDevice)).toEqual([]);

    fake.handle(COMMANDS.adminInfo, () => ({ ...INFO, devices: [INFO.devices[0]!] }));
    await user.click(within(bob).getByRole('button', { name: "Remove bob's device" }));
    await user.click(within(bob).getByRole('button', { name: 'Remove' }));
    expect(sent(COMMANDS.adminRemoveDevice)).toEqual([{ device_id: 2 }]);
    expect(screen.queryByRole('listitem', { name: 'bob, Chrome on Linux' })).toBeNull();
    expect(screen.getByRole('heading', { name: 'Devices (1)' })).toBeInTheDocument();
  });
});
