import { render } from '@testing-library/react';
import { act } from 'react';

import { useChat } from '@/features/chat';
import { _resetDesktopApiForTests, desktopApi } from '@/features/desktop/api/desktop-api';
import { useDesktopBridge } from '@/features/desktop/hooks/use-desktop-bridge';
import { useSession } from '@/stores/session-store';
import { BOB, msg, room, welcome } from '@/testing/data';
import { type FakeApi, fakeApi, installPywebview, removePywebview } from '@/testing/fake-pywebview';
import { fake } from '@/testing/fake-socket';

function Probe() {
  useDesktopBridge();
  return (
    <div>
      <a href="https://example.org/page" target="_blank" rel="noopener noreferrer">
        <span>external</span>
      </a>
      <a href="/local">local</a>
      <a href="mailto:a@b.c">mail</a>
    </div>
  );
}

const flush = () => act(() => new Promise((r) => setTimeout(r, 0)));
let api: FakeApi;
let focused = false;

beforeEach(async () => {
  fake.reset();
  _resetDesktopApiForTests();
  api = fakeApi();
  installPywebview(api);
  await desktopApi(500);
  focused = false;
  vi.spyOn(document, 'hasFocus').mockImplementation(() => focused);
  useChat.setState({ scope: null, messages: {}, lastRead: {}, activeRoomId: null });
  const w = welcome([room(1, 'general'), room(2, 'random')]);
  useChat.getState().applyWelcome(w);
  useChat.getState().setActiveRoom(1);
  useSession.getState().welcome(w);
});

afterEach(() => {
  removePywebview();
  vi.restoreAllMocks();
});

describe('useDesktopBridge', () => {
  it('keeps the unread total in the window title', async () => {
    render(<Probe />);
    await flush();
    expect(api.set_unread).toHaveBeenLastCalledWith(0);
    act(() => useChat.getState().addMessages(2, [msg(5, 2, BOB), msg(6, 2, BOB)]));
    await flush();
    expect(api.set_unread).toHaveBeenLastCalledWith(2);
    act(() => useChat.getState().markRead(2));
    await flush();
    expect(api.set_unread).toHaveBeenLastCalledWith(0);
  });

  it('opens external http(s) links through the desktop, and leaves the others alone', async () => {
    const { getByText } = render(<Probe />);
    const clicks: boolean[] = [];
    const record = (e: MouseEvent) => clicks.push(e.defaultPrevented);
    document.addEventListener('click', record);
    act(() => getByText('external').click());
    act(() => getByText('local').click());
    act(() => getByText('mail').click());
    document.removeEventListener('click', record);
    expect(api.open_external).toHaveBeenCalledTimes(1);
    expect(api.open_external).toHaveBeenCalledWith('https://example.org/page');
    expect(clicks).toEqual([true, false, false]);
  });

  it('leaves links alone in a browser', async () => {
    removePywebview();
    _resetDesktopApiForTests();
    const { getByText } = render(<Probe />);
    let prevented: boolean | null = null;
    const record = (e: MouseEvent) => (prevented = e.defaultPrevented);
    document.addEventListener('click', record);
    act(() => getByText('external').click());
    document.removeEventListener('click', record);
    expect(prevented).toBe(false);
    expect(api.open_external).not.toHaveBeenCalled();
  });
});
