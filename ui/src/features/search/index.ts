/**
 * The public face of features/search: other features and the app import only from here.
 */
export { SearchButton } from './components/search-button';
