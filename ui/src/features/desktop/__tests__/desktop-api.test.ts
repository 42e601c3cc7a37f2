import {
  _resetDesktopApiForTests,
  desktopApi,
  desktopApiNow,
  notify,
  openExternal,
  setUnread,
} from '@/features/desktop/api/desktop-api';
import { fakeApi, installPywebview, removePywebview } from '@/testing/fake-pywebview';

const flush = () => new Promise((r) => setTimeout(r, 0));

beforeEach(() => {
  _resetDesktopApiForTests();
  removePywebview();
});

describe('desktop api wrapper', () => {
  it('is a no-op in a plain browser', async () => {
    expect(await desktopApi(50)).toBeNull();
    setUnread(3);
    notify('t', 'b', 1);
    expect(openExternal('https://example.org/')).toBe(false);
  });

  it('waits for pywebviewready, then forwards calls', async () => {
    const api = fakeApi();
    const found = desktopApi(2_000);
    setTimeout(() => installPywebview(api), 20); // injected after the page started
    expect(await found).not.toBeNull();
    setUnread(4);
    notify('bob in #general', 'hi', 1);
    await flush();
    expect(api.set_unread).toHaveBeenCalledWith(4);
    expect(api.notify).toHaveBeenCalledWith('bob in #general', 'hi', 1);
    expect(openExternal('https://example.org/a')).toBe(true);
    expect(openExternal('javascript:alert(1)')).toBe(false);
    expect(api.open_external).toHaveBeenCalledTimes(1);
    expect(api.open_external).toHaveBeenCalledWith('https://example.org/a');
  });

  it('treats a refusing bridge (another host’s page in the window) as absent', async () => {
    const api = fakeApi({ desktop_info: async () => Promise.reject(new Error('PermissionError')) });
    installPywebview(api);
    expect(await desktopApi(500)).toBeNull();
    expect(desktopApiNow()).toBeNull();
    setUnread(2);
    await flush();
    expect(api.set_unread).not.toHaveBeenCalled();
    expect(openExternal('https://example.org/')).toBe(false);
  });

  it('finds an api injected after the timeout on the next call', async () => {
    expect(await desktopApi(20)).toBeNull();
    const api = fakeApi();
    installPywebview(api); // fires pywebviewready late
    expect(await desktopApi(500)).not.toBeNull();
    setUnread(5);
    await flush();
    expect(api.set_unread).toHaveBeenCalledWith(5);
  });

  it('swallows a rejected call', async () => {
    const api = fakeApi({ set_unread: async () => Promise.reject(new Error('boom')) });
    installPywebview(api);
    await desktopApi(500);
    setUnread(1);
    await flush();
    expect(api.set_unread).toHaveBeenCalledWith(1);
  });
});
