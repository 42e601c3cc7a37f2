import { act, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { BackupSection } from '@/features/admin/components/backup-section';
import { type BackupSettings, COMMANDS, EVENTS } from '@/lib/protocol';
import { RequestError } from '@/lib/request-error';
import { fake } from '@/testing/fake-socket';

const SETTINGS: BackupSettings = { folder: '/home/ana/parley-backups', keep: 7, daily: false, last: null, running: false };

beforeEach(() => {
  fake.reset();
  fake.open();
  fake.handle(COMMANDS.getBackupSettings, () => structuredClone(SETTINGS));
});

const sent = (command: string) => fake.sent.filter((s) => s.command === command).map((s) => s.payload);

describe('BackupSection', () => {
  it('backs up now, shows the progress, then where the backup went', async () => {
    fake.handle(COMMANDS.startBackup, () => ({ started: true, folder: SETTINGS.folder }));
    const user = userEvent.setup();
    render(<BackupSection initial={structuredClone(SETTINGS)} />);
    await user.click(await screen.findByRole('button', { name: 'Back up now' }));
    expect(sent(COMMANDS.startBackup)).toEqual([{}]);
    expect(await screen.findByRole('button', { name: 'Backing up…' })).toBeDisabled();
    act(() => fake.serverEmit(EVENTS.backupProgress, { phase: 'database', done: 10, total: 40, scheduled: false }));
    expect(await screen.findByText('Copying the database: 10 of 40 pages')).toBeInTheDocument();
    expect(screen.getByRole('progressbar', { name: 'Backup progress' })).toHaveAttribute('value', '10');
    act(() =>
      fake.serverEmit(EVENTS.backupFinished, {
      path: '/home/ana/parley-backups/parley-backup-20261206-120000',
      bytes: 2048,
      counts: { users: 2, rooms: 3, messages: 42, files: 1 },
      created_at: '2026-12-06T12:00:00Z',
      host_id: 'h1',
      host_name: 'Ana',
      scheduled: false,
      removed: [],
      }),
    );
    expect(await screen.findByRole('status')).toHaveTextContent('42 messages and 1 file (2.0 KB) to /home/ana/parley-backups/parley-backup-20261206-120000');
    expect(screen.getByRole('button', { name: 'Back up now' })).toBeEnabled();
  });

  it('shows why a backup was refused or failed', async () => {
    fake.handle(COMMANDS.startBackup, () => {
      throw new RequestError('conflict', 'A backup is already running; wait for it to finish.');
    });
    const user = userEvent.setup();
    render(<BackupSection initial={structuredClone(SETTINGS)} />);
    await user.click(await screen.findByRole('button', { name: 'Back up now' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('already running');
    act(() => fake.serverEmit(EVENTS.backupFailed, { error: { code: 'backup_failed', message: 'The disk is full.' }, scheduled: true }));
    expect(await screen.findByText('The backup failed: The disk is full.')).toBeInTheDocument();
  });

  it('saves the schedule, checking the folder and the count first', async () => {
    fake.handle(COMMANDS.setBackupSettings, (p: { folder: string; keep: number; daily: boolean }) => ({ ...SETTINGS, ...p }));
    const user = userEvent.setup();
    render(<BackupSection initial={structuredClone(SETTINGS)} />);
    const folder = await screen.findByRole('textbox', { name: 'Backup folder' });
    await user.clear(folder);
    await user.type(folder, 'backups');
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('full path');
    expect(sent(COMMANDS.setBackupSettings)).toEqual([]);

    await user.clear(folder);
    await user.type(folder, '/srv/parley');
    const keep = screen.getByRole('spinbutton', { name: 'Backups to keep' });
    await user.clear(keep);
    await user.type(keep, '3');
    await user.click(screen.getByRole('checkbox', { name: 'Back up every day' }));
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByRole('status')).toHaveTextContent('every day');
    expect(sent(COMMANDS.setBackupSettings)).toEqual([{ folder: '/srv/parley', keep: 3, daily: true }]);
  });
});
