/**
 * The public face of features/export: other features and the app import only from here.
 */
export { useExport } from './hooks/use-export';
export { ExportMyDmsButton } from './components/export-my-dms-button';
export { ExportStatus } from './components/export-status';
