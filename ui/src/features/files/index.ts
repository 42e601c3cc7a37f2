/**
 * The public face of features/files: other features and the app import only from here.
 * Stores and api come first, so that when features import each other in a cycle, what is
 * called at run time is already defined.
 */
export { runningIn, useUploads } from './stores/uploads-store';
export { saveBlob } from './hooks/use-download';
export { useImage } from './hooks/use-image';
export { AttachButton, UploadTray } from './components/attach-controls';
export { AttachmentList } from './components/attachment-list';
export { FileIcon } from './components/icons';
export { PendingFiles } from './components/pending-files';
export { SendingUploads } from './components/upload-tray';
