/**
 * This person's notification settings as the host last said (get_notify_settings after each
 * connect, then notify_settings_changed from any of their devices), and this browser's
 * notification permission.
 */
import { create } from 'zustand';

import { type BrowserSupport, browserSupport } from '@/features/notifications/lib/browser-notify';
import { DEFAULT_SETTINGS } from '@/features/notifications/lib/decide';
import type { NotifySettings } from '@/lib/protocol';

type NotifyState = {
  settings: NotifySettings;
  support: BrowserSupport;
  setSettings: (settings: NotifySettings) => void;
  setSupport: (support: BrowserSupport) => void;
};

export const useNotify = create<NotifyState>((set) => ({
  settings: DEFAULT_SETTINGS,
  support: typeof window === 'undefined' ? 'unsupported' : browserSupport(),
  setSettings: (settings) => set({ settings }),
  setSupport: (support) => set({ support }),
}));
