/**
 * The public face of features/hosts: what other features and the app use. Stores and api come first
 * so that, when features import each other in a cycle, what runs at call time is already defined.
 */
export { useNearbyHosts } from './hooks/use-nearby-hosts';
export { NearbyHostsDialog } from './components/nearby-hosts-dialog';
