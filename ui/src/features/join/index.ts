/**
 * The public face of features/join: other features and the app import only from here.
 */
export { JoinScreen } from './components/join-screen';
