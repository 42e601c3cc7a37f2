/**
 * The public face of features/desktop: what other features and the app use. Stores and api come first
 * so that, when features import each other in a cycle, what runs at call time is already defined.
 */
export { _resetDesktopApiForTests } from './api/desktop-api';
export type { DesktopApi, JoinResult } from './api/desktop-api';
export { useDesktopBridge } from './hooks/use-desktop-bridge';
export { _rereadStartScreenForTests, useStartScreen } from './hooks/use-start-screen';
export { StartScreen } from './components/start-screen';
