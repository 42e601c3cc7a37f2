/** The host's copy of this person's notification settings (docs/protocol.md, "Notifications"). */
import { useNotify } from '@/features/notifications/stores/notify-store';
import { COMMANDS, type NotifyLevel, type NotifySettingsResult } from '@/lib/protocol';
import { request } from '@/lib/socket';

export async function loadNotifySettings(): Promise<void> {
  const r = await request<NotifySettingsResult>(COMMANDS.getNotifySettings, {});
  useNotify.getState().setSettings(r.settings);
}

type Flags = { dnd?: boolean; sound_channels?: boolean; sound_direct?: boolean };

/** Change some switches; every device of this person gets the result (notify_settings_changed). */
export async function setNotifyFlags(flags: Flags): Promise<void> {
  const r = await request<NotifySettingsResult>(COMMANDS.setNotifySettings, flags);
  useNotify.getState().setSettings(r.settings);
}

export async function setRoomLevel(roomId: number, level: NotifyLevel): Promise<void> {
  const r = await request<NotifySettingsResult>(COMMANDS.setRoomNotify, { room_id: roomId, level });
  useNotify.getState().setSettings(r.settings);
}
