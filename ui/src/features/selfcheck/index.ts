/**
 * The public face of features/selfcheck: what other features and the app use. Stores and api come first
 * so that, when features import each other in a cycle, what runs at call time is already defined.
 */
export { SelfCheckDialog } from './components/self-check-dialog';
