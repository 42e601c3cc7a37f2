/**
 * The public face of features/profile: other features and the app import only from here.
 * Api and lib come first, so that when features import each other in a cycle, what is called at
 * run time is already defined.
 */
export { saveName, saveStatus } from './api/profile';
export { IDLE_AWAY_MS, STATUS_LABELS, idleChange, statusLine, statusOf } from './lib/status';
export { useAutoAway } from './hooks/use-auto-away';
export { HostNameDialog } from './components/host-name-dialog';
export { MeButton } from './components/me-button';
export { PersonCard } from './components/person-card';
export { ProfileDialog } from './components/profile-dialog';
