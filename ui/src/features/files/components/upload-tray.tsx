/**
 * Above the composer: uploads of this room with their progress and Cancel, refusals, and
 * unfinished uploads to resume. Finished files move to the composer's "Files to send".
 */
import { useEffect, useRef } from 'react';

import { useChat } from '@/features/chat';
import { type UploadItem, useUploads } from '@/features/files/stores/uploads-store';
import type { PendingUpload } from '@/lib/upload';
import { formatBytes } from '@/lib/upload';

import { ProgressLine } from './progress-line';

const PHASE_TEXT: Record<UploadItem['phase'], string> = {
  hashing: 'Checking…',
  uploading: 'Uploading…',
  waiting: 'Waiting for the host…',
  failed: 'Failed',
};

function UploadRow({ item }: { item: UploadItem }) {
  const cancel = useUploads((s) => s.cancel);
  const retry = useUploads((s) => s.retry);
  const dismiss = useUploads((s) => s.dismiss);
  return (
    <li className={`upload-row upload-${item.phase}`} aria-label={`Upload of ${item.name}`}>
      {item.thumb && <img className="pending-thumb" src={item.thumb} alt="" />}
      <span className="file-name" title={item.name}>
        {item.name}
      </span>
      {item.phase === 'failed' ? (
        <>
          <span className="error small-text" role="alert">
            {item.error}
          </span>
          <button type="button" className="small" onClick={() => retry(item.key)}>
            Retry
          </button>
          <button type="button" className="small" onClick={() => dismiss(item.key)} aria-label={`Remove ${item.name}`}>
            Remove
          </button>
        </>
      ) : (
        <>
          <ProgressLine
            label={item.phase === 'hashing' ? `Checking ${item.name}` : `Uploading ${item.name}`}
            done={item.done}
            total={item.size}
            text={PHASE_TEXT[item.phase]}
          />
          <button type="button" className="small" onClick={() => cancel(item.key)} aria-label={`Cancel upload of ${item.name}`}>
            Cancel
          </button>
        </>
      )}
    </li>
  );
}

function PendingRow({ p }: { p: PendingUpload }) {
  const resume = useUploads((s) => s.resumePending);
  const discard = useUploads((s) => s.discardPending);
  const input = useRef<HTMLInputElement>(null);
  return (
    <li className="upload-row upload-pending" aria-label={`Unfinished upload of ${p.name}`}>
      <span className="file-name" title={p.name}>
        {p.name}
      </span>
      <span className="muted small-text">
        Unfinished: {formatBytes(p.offset)} of {formatBytes(p.size)}. Pick the same file to continue.
      </span>
      <button type="button" className="small" onClick={() => input.current?.click()}>
        Resume…
      </button>
      <button type="button" className="small" onClick={() => discard(p.upload_id)} aria-label={`Discard ${p.name}`}>
        Discard
      </button>
      <input
        ref={input}
        type="file"
        hidden
        aria-label={`File to resume ${p.name}`}
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = '';
          if (file) void resume(p.upload_id, file);
        }}
      />
    </li>
  );
}

/** The uploads a sent message waits for, with their progress (shown in the message as it sends). */
export function SendingUploads({ clientId }: { clientId: string }) {
  const items = useUploads((s) => s.items);
  const mine = items.filter((it) => it.clientId === clientId);
  if (mine.length === 0) return null;
  return (
    <ul className="upload-list sending-uploads" aria-label="Files uploading">
      {mine.map((it) => (
        <li key={it.key} className="upload-row" aria-label={`Upload of ${it.name}`}>
          {it.thumb && <img className="pending-thumb" src={it.thumb} alt="" />}
          <span className="file-name" title={it.name}>
            {it.name}
          </span>
          <ProgressLine
            label={`Uploading ${it.name}`}
            done={it.done}
            total={it.size}
            text={it.phase === 'failed' ? PHASE_TEXT.failed : PHASE_TEXT[it.phase]}
          />
        </li>
      ))}
    </ul>
  );
}

export function UploadTray({ roomId }: { roomId: number }) {
  const items = useUploads((s) => s.items);
  const pending = useUploads((s) => s.pending);
  const notice = useUploads((s) => s.notices[roomId]);
  const clearNotice = useUploads((s) => s.clearNotice);
  const loadPending = useUploads((s) => s.loadPending);
  const scope = useChat((s) => s.scope);

  useEffect(() => {
    loadPending();
  }, [loadPending, scope]);

  const mine = items.filter((it) => it.roomId === roomId && !it.clientId);
  const stale = pending.filter((p) => p.room_id === roomId);
  if (mine.length === 0 && stale.length === 0 && !notice) return null;
  return (
    <div className="upload-tray">
      {notice && (
        <p className="upload-notice error" role="alert">
          {notice}{' '}
          <button type="button" className="link-button" onClick={() => clearNotice(roomId)}>
            Dismiss
          </button>
        </p>
      )}
      {(mine.length > 0 || stale.length > 0) && (
        <ul className="upload-list" aria-label="Uploads">
          {stale.map((p) => (
            <PendingRow key={p.upload_id} p={p} />
          ))}
          {mine.map((it) => (
            <UploadRow key={it.key} item={it} />
          ))}
        </ul>
      )}
    </div>
  );
}
