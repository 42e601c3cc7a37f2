/** The host-settings dialog's state: `admin_info` as it opened with, then each change acked by the host. */
import { useCallback, useState } from 'react';

import {
  type AdminInfo,
  type AdminJoinCodeResult,
  type AdminRenameResult,
  COMMANDS,
} from '@/lib/protocol';
import { RequestError } from '@/lib/request-error';
import { request } from '@/lib/socket';
import { useSession } from '@/stores/session-store';

export const HOST_NAME_MAX = 63;
export const JOIN_CODE = /^[A-Za-z0-9]{6,32}$/;

/** What to tell the person when the host refused or did not answer. */
export function hostRefusal(err: unknown): string {
  return err instanceof RequestError ? err.message : 'The host did not accept that.';
}

/** `initial`: the dialog's `admin_info`, asked for with its other sections' data (use-host-settings). */
export function useAdmin(initial: AdminInfo) {
  const [info, setInfo] = useState<AdminInfo>(initial);
  const [error, setError] = useState<string | null>(null);

  const refresh = useCallback(async () => {
    try {
      setInfo(await request<AdminInfo>(COMMANDS.adminInfo, {}));
      setError(null);
    } catch (err) {
      setError(hostRefusal(err));
    }
  }, []);

  /** Each action resolves to an error sentence, or null when the host took it. */
  const rename = useCallback(async (name: string): Promise<string | null> => {
    const trimmed = name.trim();
    if (!trimmed || trimmed.length > HOST_NAME_MAX) return `A host name has 1–${HOST_NAME_MAX} characters.`;
    try {
      const r = await request<AdminRenameResult>(COMMANDS.adminRenameHost, { name: trimmed });
      useSession.setState({ server: r.server }); // everyone else learns it from server_changed
      setInfo((i) => ({ ...i, name: r.server.name }));
      return null;
    } catch (err) {
      return hostRefusal(err);
    }
  }, []);

  /** `code`: a new code, `''` for a fresh random one, `null` to let anyone join. */
  const setJoinCode = useCallback(async (code: string | null): Promise<string | null> => {
    if (code !== null && code !== '' && !JOIN_CODE.test(code)) return 'A join code has 6–32 letters or digits.';
    try {
      const r = await request<AdminJoinCodeResult>(COMMANDS.adminSetJoinCode, { code });
      setInfo((i) => ({ ...i, join_code: r.join_code }));
      return null;
    } catch (err) {
      return hostRefusal(err);
    }
  }, []);

  const removeDevice = useCallback(
    async (deviceId: number): Promise<string | null> => {
      try {
        await request(COMMANDS.adminRemoveDevice, { device_id: deviceId });
        setInfo((i) => ({ ...i, devices: i.devices.filter((d) => d.id !== deviceId) }));
        void refresh();
        return null;
      } catch (err) {
        return hostRefusal(err);
      }
    },
    [refresh],
  );

  return { info, error, refresh, rename, setJoinCode, removeDevice };
}
