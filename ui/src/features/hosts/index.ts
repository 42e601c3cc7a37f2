/**
 * The public face of features/hosts: other features and the app import only from here.
 */
export { useNearbyHosts } from './hooks/use-nearby-hosts';
export { NearbyHostsDialog } from './components/nearby-hosts-dialog';
