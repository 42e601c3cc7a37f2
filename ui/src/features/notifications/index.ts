/**
 * The public face of features/notifications: other features and the app import only from here.
 * Stores and api come first, so that when features import each other in a cycle, what is
 * called at run time is already defined.
 */
export { useNotify } from './stores/notify-store';
export { loadNotifySettings, setNotifyFlags, setRoomLevel } from './api/notify-settings';
export { decide, levelOf } from './lib/decide';
export { useNotifications } from './hooks/use-notifications';
export { RoomNotifyButton } from './components/notify-buttons';
export { NotifyDialog } from './components/notify-dialog';
