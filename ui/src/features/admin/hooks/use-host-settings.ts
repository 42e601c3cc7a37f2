/**
 * What the host settings dialog shows when it opens, asked for together: the dialog draws all its
 * sections at once when every answer is here, so nothing grows or moves under a person who has
 * started reading or is about to click (each section asking for its own part pushed the ones
 * below it down as the answers came in).
 */
import { useCallback, useEffect, useState } from 'react';

import { hostRefusal } from '@/features/admin/hooks/use-admin';
import type { BotsList } from '@/features/admin/hooks/use-bots';
import {
  type AdminInfo,
  type BackupSettings,
  COMMANDS,
  type ListBotsResult,
  type ListWebhooksResult,
} from '@/lib/protocol';
import { request } from '@/lib/socket';

export type HostSettingsData = {
  info: AdminInfo;
  bots: BotsList;
  backup: BackupSettings;
};

async function loadHostSettings(): Promise<HostSettingsData> {
  const [info, bots, webhooks, backup] = await Promise.all([
    request<AdminInfo>(COMMANDS.adminInfo, {}),
    request<ListBotsResult>(COMMANDS.listBots, {}),
    request<ListWebhooksResult>(COMMANDS.listWebhooks, {}),
    request<BackupSettings>(COMMANDS.getBackupSettings, {}),
  ]);
  return { info, bots: { bots: bots.bots, webhooks: webhooks.webhooks }, backup };
}

/** `data` once every part has come (null until then); `error` if any was refused; `retry`. */
export function useHostSettings() {
  const [data, setData] = useState<HostSettingsData | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async (isLive: () => boolean) => {
    try {
      const loaded = await loadHostSettings();
      if (isLive()) setData(loaded);
    } catch (err) {
      if (isLive()) setError(hostRefusal(err));
    }
  }, []);

  useEffect(() => {
    let live = true;
    void load(() => live);
    return () => {
      live = false;
    };
  }, [load]);

  const retry = useCallback(() => {
    setError(null);
    void load(() => true);
  }, [load]);

  return { data, error, retry };
}
