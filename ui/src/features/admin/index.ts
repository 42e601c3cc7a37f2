/**
 * The public face of features/admin: other features and the app import only from here.
 */
export { HostSettingsButton } from './components/host-settings-button';
export { PeopleDialog } from './components/people-section';
