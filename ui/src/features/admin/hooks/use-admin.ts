/** The host-settings dialog's state: `admin_info` on open, then each change acked by the host. */
import { useCallback, useEffect, useState } from 'react';

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

function text(err: unknown): string {
  return err instanceof RequestError ? err.message : 'The host did not accept that.';
}

export function useAdmin() {
  const [info, setInfo] = useState<AdminInfo | null>(null);
  const [error, setError] = useState<string | null>(null);

  const refresh = useCallback(async () => {
    try {
      setInfo(await request<AdminInfo>(COMMANDS.adminInfo, {}));
      setError(null);
    } catch (err) {
      setError(text(err));
    }
  }, []);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  /** Each action resolves to an error sentence, or null when the host took it. */
  const rename = useCallback(async (name: string): Promise<string | null> => {
    const trimmed = name.trim();
    if (!trimmed || trimmed.length > HOST_NAME_MAX) return `A host name has 1–${HOST_NAME_MAX} characters.`;
    try {
      const r = await request<AdminRenameResult>(COMMANDS.adminRenameHost, { name: trimmed });
      useSession.setState({ server: r.server }); // everyone else learns it from server_changed
      setInfo((i) => (i ? { ...i, name: r.server.name } : i));
      return null;
    } catch (err) {
      return text(err);
    }
  }, []);

  /** `code`: a new code, `''` for a fresh random one, `null` to let anyone join. */
  const setJoinCode = useCallback(async (code: string | null): Promise<string | null> => {
    if (code !== null && code !== '' && !JOIN_CODE.test(code)) return 'A join code has 6–32 letters or digits.';
    try {
      const r = await request<AdminJoinCodeResult>(COMMANDS.adminSetJoinCode, { code });
      setInfo((i) => (i ? { ...i, join_code: r.join_code } : i));
      return null;
    } catch (err) {
      return text(err);
    }
  }, []);

  const removeDevice = useCallback(
    async (deviceId: number): Promise<string | null> => {
      try {
        await request(COMMANDS.adminRemoveDevice, { device_id: deviceId });
        setInfo((i) => (i ? { ...i, devices: i.devices.filter((d) => d.id !== deviceId) } : i));
        void refresh();
        return null;
      } catch (err) {
        return text(err);
      }
    },
    [refresh],
  );

  return { info, error, refresh, rename, setJoinCode, removeDevice };
}
