/**
 * The public face of features/invite: other features and the app import only from here.
 * Stores and api come first, so that when features import each other in a cycle, what is
 * called at run time is already defined.
 */
export { getInvite } from './api/invite';
export { InvitePanel } from './components/invite-panel';
