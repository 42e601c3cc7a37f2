/**
 * The public face of features/export: what other features and the app use. Stores and api come first
 * so that, when features import each other in a cycle, what runs at call time is already defined.
 */
export { useExport } from './hooks/use-export';
export { ExportMyDmsButton } from './components/export-my-dms-button';
export { ExportStatus } from './components/export-status';
