/**
 * The host settings dialog's Backup section (the host user only): back up now with a progress bar
 * and where the backup went, the folder daily backups go to and how many it keeps, the last backup.
 * Progress and the outcome arrive as events to the host user (they also report daily backups).
 */
import { type FormEvent, useCallback, useEffect, useState } from 'react';

import { hostRefusal } from '@/features/admin/hooks/use-admin';
import { dayLabel, timeLabel } from '@/lib/format';
import {
  BACKUP_KEEP_MAX,
  type BackupFailedEvent,
  type BackupFinishedEvent,
  type BackupLast,
  type BackupProgressEvent,
  type BackupSettings,
  COMMANDS,
  EVENTS,
} from '@/lib/protocol';
import { onEvent, request } from '@/lib/socket';
import { formatBytes } from '@/lib/upload';

type Feedback = { ok: boolean; text: string } | null;

function count(n: number, one: string): string {
  return `${n} ${one}${n === 1 ? '' : 's'}`;
}

function when(iso: string): string {
  return `${dayLabel(iso)} ${timeLabel(iso)}`;
}

function progressText(p: BackupProgressEvent): string {
  if (p.phase === 'database') return `Copying the database: ${p.done} of ${p.total} pages`;
  return `Copying files: ${formatBytes(p.done)} of ${formatBytes(p.total)}`;
}

function LastBackup({ last }: { last: BackupLast | null }) {
  if (!last) return <p className="muted small-text">No backup yet.</p>;
  if (!last.ok)
    return (
      <p className="error small-text" role="alert">
        The last backup ({when(last.at)}) failed: {last.error}
      </p>
    );
  return (
    <p className="small-text" aria-label="Last backup">
      Last backup: {when(last.at)}, {formatBytes(last.bytes)}, in <code>{last.path}</code>
    </p>
  );
}

/** `initial`: the settings as the dialog opened with (asked for with the rest: use-host-settings). */
function useBackups(initial: BackupSettings) {
  const [settings, setSettings] = useState<BackupSettings>(initial);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [running, setRunning] = useState(initial.running);
  const [progress, setProgress] = useState<BackupProgressEvent | null>(null);
  const [outcome, setOutcome] = useState<Feedback>(null);

  const refresh = useCallback(async () => {
    try {
      const s = await request<BackupSettings>(COMMANDS.getBackupSettings, {});
      setSettings(s);
      setRunning(s.running);
      setLoadError(null);
    } catch (err) {
      setLoadError(hostRefusal(err));
    }
  }, []);

  useEffect(() => {
    const offs = [
      onEvent<BackupProgressEvent>(EVENTS.backupProgress, (p) => {
        setRunning(true);
        setProgress(p);
      }),
      onEvent<BackupFinishedEvent>(EVENTS.backupFinished, (f) => {
        setRunning(false);
        setProgress(null);
        setOutcome({
          ok: true,
          text: `Backed up ${count(f.counts.messages, 'message')} and ${count(f.counts.files, 'file')} (${formatBytes(f.bytes)}) to ${f.path}`,
        });
        void refresh();
      }),
      onEvent<BackupFailedEvent>(EVENTS.backupFailed, (f) => {
        setRunning(false);
        setProgress(null);
        setOutcome({ ok: false, text: `The backup failed: ${f.error.message}` });
        void refresh();
      }),
    ];
    return () => offs.forEach((off) => off());
  }, [refresh]);

  const start = useCallback(async () => {
    setOutcome(null);
    try {
      await request(COMMANDS.startBackup, {});
      setRunning(true);
    } catch (err) {
      setOutcome({ ok: false, text: hostRefusal(err) });
    }
  }, []);

  const save = useCallback(async (next: { folder: string; keep: number; daily: boolean }): Promise<string | null> => {
    if (!next.folder.trim().startsWith('/') && !/^[A-Za-z]:[\\/]/.test(next.folder.trim()))
      return 'Give the folder’s full path (like /home/me/backups).';
    if (!Number.isInteger(next.keep) || next.keep < 1 || next.keep > BACKUP_KEEP_MAX) return `Keep 1–${BACKUP_KEEP_MAX} backups.`;
    try {
      const s = await request<BackupSettings>(COMMANDS.setBackupSettings, { ...next, folder: next.folder.trim() });
      setSettings(s);
      return null;
    } catch (err) {
      return hostRefusal(err);
    }
  }, []);

  return { settings, loadError, running, progress, outcome, start, save };
}

function ScheduleForm({ settings, save }: { settings: BackupSettings; save: (s: { folder: string; keep: number; daily: boolean }) => Promise<string | null> }) {
  const [folder, setFolder] = useState(settings.folder);
  const [keep, setKeep] = useState(String(settings.keep));
  const [daily, setDaily] = useState(settings.daily);
  const [feedback, setFeedback] = useState<Feedback>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    const err = await save({ folder, keep: Number(keep), daily });
    setBusy(false);
    setFeedback(err ? { ok: false, text: err } : { ok: true, text: daily ? 'Saved. A backup is made every day.' : 'Saved.' });
  };
  return (
    <form className="backup-schedule" onSubmit={(e) => void submit(e)}>
      <label className="backup-field">
        <span className="small-text">Backup folder</span>
        <input aria-label="Backup folder" value={folder} onChange={(e) => setFolder(e.target.value)} />
      </label>
      <div className="row">
        <label className="row small-text">
          <input type="checkbox" aria-label="Back up every day" checked={daily} onChange={(e) => setDaily(e.target.checked)} />
          Back up every day
        </label>
        <label className="row small-text">
          Keep the last
          <input
            aria-label="Backups to keep"
            className="backup-keep"
            type="number"
            min={1}
            max={BACKUP_KEEP_MAX}
            value={keep}
            onChange={(e) => setKeep(e.target.value)}
          />
        </label>
        <button type="submit" className="small" disabled={busy || !folder.trim()}>
          Save
        </button>
      </div>
      {feedback &&
        (feedback.ok ? (
          <p className="admin-ok small-text" role="status">
            {feedback.text}
          </p>
        ) : (
          <p className="error small-text" role="alert">
            {feedback.text}
          </p>
        ))}
    </form>
  );
}

export function BackupSection({ initial }: { initial: BackupSettings }) {
  const { settings, loadError, running, progress, outcome, start, save } = useBackups(initial);
  return (
    <section className="admin-section" aria-label="Backup">
      <h3>Backup</h3>
      <p className="muted small-text">
        A copy of all history, files and devices, made while the host keeps running. Restore it with <code>parley restore</code>.
      </p>
      {loadError && (
        <p className="error small-text" role="alert">
          {loadError}
        </p>
      )}
      <div className="row">
        <button type="button" className="small" disabled={running} onClick={() => void start()}>
          {running ? 'Backing up…' : 'Back up now'}
        </button>
      </div>
      {running && (
        <div className="progress-line">
          <progress aria-label="Backup progress" max={progress && progress.total > 0 ? progress.total : undefined} value={progress && progress.total > 0 ? progress.done : undefined} />
          <span className="progress-text">{progress ? progressText(progress) : 'Starting…'}</span>
        </div>
      )}
      {outcome &&
        (outcome.ok ? (
          <p className="admin-ok small-text backup-outcome" role="status">
            {outcome.text}
          </p>
        ) : (
          <p className="error small-text" role="alert">
            {outcome.text}
          </p>
        ))}
      <LastBackup last={settings.last} />
      <ScheduleForm settings={settings} save={save} />
    </section>
  );
}
