/**
 * The public face of features/admin: what other features and the app use. Stores and api come first
 * so that, when features import each other in a cycle, what runs at call time is already defined.
 */
export { HostSettingsButton } from './components/host-settings-button';
