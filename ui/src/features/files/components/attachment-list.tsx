/** A message's files: images as previews (click to enlarge), everything else as a download. */
import '@/features/files/components/files.css';

import { memo } from 'react';

import type { WireFile } from '@/lib/protocol';

import { FileCard } from './file-card';
import { ImagePreview } from './image-preview';

export const AttachmentList = memo(function AttachmentList({ files }: { files: WireFile[] | undefined }) {
  if (!files?.length) return null;
  return (
    <ul className="attachments" aria-label="Attachments">
      {files.map((f) => (
        <li key={f.id}>{f.kind === 'image' ? <ImagePreview file={f} /> : <FileCard file={f} />}</li>
      ))}
    </ul>
  );
});
