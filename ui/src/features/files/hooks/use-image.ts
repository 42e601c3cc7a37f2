import { useEffect, useSyncExternalStore } from 'react';

import { type BlobState, imageState, loadImage, subscribeImage } from '@/features/files/blob-cache';

/** The image's bytes as an object URL once fetched (with progress until then). */
export function useImage(fileId: number): BlobState {
  const state = useSyncExternalStore(
    (fn) => subscribeImage(fileId, fn),
    () => imageState(fileId),
  );
  useEffect(() => {
    loadImage(fileId);
  }, [fileId]);
  return state;
}
