import { createEvent, fireEvent, render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';

import { useChat } from '@/features/chat';
import { AttachButton, UploadTray } from '@/features/files/components/attach-controls';
import { _setUploadLimitForTests } from '@/features/files/host-limit';
import { _resetUploadsForTests, useUploads } from '@/features/files/stores/uploads-store';
import { rememberPending } from '@/lib/upload';
import { useCompose } from '@/stores/compose-store';
import { room, welcome } from '@/testing/data';
import { fake } from '@/testing/fake-socket';

const LIMIT = 1000;

function file(name: string, size: number, fill = 1): File {
  return new File([new Uint8Array(size).fill(fill)], name, { type: 'application/octet-stream' });
}

function Harness({ roomId = 1 }: { roomId?: number }) {
  return (
    <form aria-label="composer">
      <UploadTray roomId={roomId} />
      <AttachButton roomId={roomId} />
      <textarea aria-label="Message" />
    </form>
  );
}

beforeEach(() => {
  fake.reset();
  _resetUploadsForTests();
  _setUploadLimitForTests(LIMIT);
  useCompose.setState({ attachments: {} });
  useChat.setState({ scope: null });
  useChat.getState().applyWelcome(welcome([room(1, 'general'), room(2, 'random')]));
});

afterAll(() => _setUploadLimitForTests(null));

describe('AttachButton and UploadTray', () => {
  it('refuses a file over the host limit up front, with both sizes, sending nothing', async () => {
    const user = userEvent.setup();
    render(<Harness />);
    await user.upload(screen.getByLabelText('Files to attach'), file('big.bin', 2048));
    expect(await screen.findByRole('alert')).toHaveTextContent('big.bin: That file is 2.0 KB; this host accepts files up to 1000 B.');
    expect(useUploads.getState().items).toEqual([]);
    await user.click(screen.getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('takes dropped files and pasted files the same way', async () => {
    render(<Harness />);
    const dropped = file('dropped.bin', 4096);
    const enter = createEvent.dragEnter(window);
    Object.defineProperty(enter, 'dataTransfer', { value: { types: ['Files'], files: [] } });
    fireEvent(window, enter);
    expect(document.querySelector('.drop-overlay')).toHaveTextContent('Drop files to send them to #general');
    const drop = createEvent.drop(window);
    Object.defineProperty(drop, 'dataTransfer', { value: { types: ['Files'], files: [dropped] } });
    fireEvent(window, drop);
    expect(await screen.findByRole('alert')).toHaveTextContent('dropped.bin: That file is 4.0 KB');
    expect(document.querySelector('.drop-overlay')).toBeNull();

    const paste = createEvent.paste(screen.getByRole('textbox', { name: 'Message' }));
    Object.defineProperty(paste, 'clipboardData', { value: { files: [file('pasted.png', 3000)] } });
    fireEvent(screen.getByRole('textbox', { name: 'Message' }), paste);
    expect(await screen.findByRole('alert')).toHaveTextContent('pasted.png: That file is 2.9 KB');
    expect(paste.defaultPrevented).toBe(true);
  });

  it('leaves a plain-text paste to the textarea', () => {
    render(<Harness />);
    const box = screen.getByRole('textbox', { name: 'Message' });
    const paste = createEvent.paste(box);
    Object.defineProperty(paste, 'clipboardData', { value: { files: [] } });
    fireEvent(box, paste);
    expect(paste.defaultPrevented).toBe(false);
  });

  it('offers an unfinished upload from an earlier page, and refuses a different file', async () => {
    const content = file('report.pdf', 600, 7);
    rememberPending('h1:1', {
      upload_id: 'u'.repeat(32),
      room_id: 1,
      name: 'report.pdf',
      size: 600,
      sha256: 'f'.repeat(64), // not the hash of `content`
      offset: 200,
      updated_at: '2026-11-23T10:00:00.000Z',
    });
    const user = userEvent.setup();
    render(<Harness />);
    const row = await screen.findByRole('listitem', { name: 'Unfinished upload of report.pdf' });
    expect(row).toHaveTextContent('Unfinished: 200 B of 600 B');

    await user.upload(within(row).getByLabelText('File to resume report.pdf'), file('other.pdf', 10));
    expect(await screen.findByRole('alert')).toHaveTextContent('That is not the same file: report.pdf was 600 bytes, this one is 10.');

    await user.upload(within(row).getByLabelText('File to resume report.pdf'), content);
    expect(await screen.findByRole('alert')).toHaveTextContent('its content differs from the unfinished report.pdf');
    expect(useUploads.getState().items).toEqual([]);
  });

  it('shows a room’s uploads only in that room', async () => {
    rememberPending('h1:1', {
      upload_id: 'v'.repeat(32),
      room_id: 2,
      name: 'elsewhere.zip',
      size: 10,
      sha256: 'e'.repeat(64),
      offset: 0,
      updated_at: '',
    });
    render(<Harness roomId={1} />);
    expect(screen.queryByText('elsewhere.zip')).toBeNull();
  });
});
