/**
 * The public face of features/selfcheck: other features and the app import only from here.
 */
export { SelfCheckDialog } from './components/self-check-dialog';
