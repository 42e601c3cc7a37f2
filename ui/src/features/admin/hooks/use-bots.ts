/** The Bots section's state: bots and webhooks as the dialog opened with, each change acked by the host. */
import { useCallback, useState } from 'react';

import { hostRefusal } from '@/features/admin/hooks/use-admin';

import {
  type BotTokenResult,
  COMMANDS,
  type CreateBotResult,
  type CreateWebhookResult,
  type ListBotsResult,
  type ListWebhooksResult,
  type WireBot,
  type WireWebhook,
} from '@/lib/protocol';
import { request } from '@/lib/socket';

/** What the host hands out once: a bot's token, or a webhook's URL (its secret inside). */
export type Shown = { kind: 'token'; bot: string; token: string } | { kind: 'webhook'; bot: string; room: string; url: string };
/** Each action resolves to an error sentence (null: the host took it). */
type Done = Promise<string | null>;

/** What the Bots section opens with (listed with the rest of host settings: use-host-settings). */
export type BotsList = { bots: WireBot[]; webhooks: WireWebhook[] };

export function useBots(initial: BotsList) {
  const [bots, setBots] = useState<WireBot[]>(initial.bots);
  const [webhooks, setWebhooks] = useState<WireWebhook[]>(initial.webhooks);
  const [error, setError] = useState<string | null>(null);
  const [shown, setShown] = useState<Shown | null>(null);

  const refresh = useCallback(async () => {
    try {
      const [b, w] = await Promise.all([
        request<ListBotsResult>(COMMANDS.listBots, {}),
        request<ListWebhooksResult>(COMMANDS.listWebhooks, {}),
      ]);
      setBots(b.bots);
      setWebhooks(w.webhooks);
      setError(null);
    } catch (err) {
      setError(hostRefusal(err));
    }
  }, []);

  const act = useCallback(
    async (fn: () => Promise<void>): Done => {
      try {
        await fn();
        void refresh();
        return null;
      } catch (err) {
        return hostRefusal(err);
      }
    },
    [refresh],
  );

  const create = useCallback(
    (name: string, avatar: string): Done =>
      act(async () => {
        const r = await request<CreateBotResult>(COMMANDS.createBot, { name: name.trim(), avatar: avatar.trim() });
        setShown({ kind: 'token', bot: r.bot.name, token: r.token });
      }),
    [act],
  );

  const resetToken = useCallback(
    (bot: WireBot): Done =>
      act(async () => {
        const r = await request<BotTokenResult>(COMMANDS.resetBotToken, { bot_id: bot.id });
        setShown({ kind: 'token', bot: bot.name, token: r.token });
      }),
    [act],
  );

  const revoke = useCallback(
    (bot: WireBot): Done =>
      act(async () => {
        await request(COMMANDS.revokeBot, { bot_id: bot.id });
        setShown(null);
      }),
    [act],
  );

  const createWebhook = useCallback(
    (bot: WireBot, roomId: number): Done =>
      act(async () => {
        const r = await request<CreateWebhookResult>(COMMANDS.createWebhook, { bot_id: bot.id, room_id: roomId });
        // The host's LAN URL when it has one; else this page's own origin (the host's window).
        const url = r.urls[0] ?? `${window.location.origin}${r.path}`;
        setShown({ kind: 'webhook', bot: bot.name, room: r.webhook.room_name, url });
      }),
    [act],
  );

  const deleteWebhook = useCallback(
    (id: number): Done =>
      act(async () => {
        await request(COMMANDS.deleteWebhook, { webhook_id: id });
        setShown((s) => (s?.kind === 'webhook' && s.url.includes(`/api/hooks/${id}/`) ? null : s));
      }),
    [act],
  );

  return { bots, webhooks, error, shown, dismiss: () => setShown(null), create, resetToken, revoke, createWebhook, deleteWebhook };
}
