/**
 * The public face of features/desktop: other features and the app import only from here.
 * Stores and api come first, so that when features import each other in a cycle, what is
 * called at run time is already defined.
 */
export { _resetDesktopApiForTests, desktopApi } from './api/desktop-api';
export type { DesktopApi, JoinResult } from './api/desktop-api';
export { useDesktopBridge } from './hooks/use-desktop-bridge';
export { _rereadStartScreenForTests, useStartScreen } from './hooks/use-start-screen';
export { StartScreen } from './components/start-screen';
