/**
 * The public face of features/peers: other features and the app import only from here.
 */
export { PeerList } from './components/peer-list';
