/** Host settings: the host-wide retention, which every room follows unless it has its own rule. */
import { type FormEvent, useState } from 'react';

import { hostRefusal } from '@/features/admin/hooks/use-admin';
import { daysText, parseDays, type RetentionChoice, RetentionChoices } from '@/features/rooms';
import { type AdminRetentionResult, COMMANDS } from '@/lib/protocol';
import { request } from '@/lib/socket';

type Feedback = { ok: boolean; text: string } | null;

/** `days`: the host-wide retention as `admin_info` said when the dialog opened (null: forever). */
export function RetentionSection({ days: initial }: { days: number | null }) {
  const [current, setCurrent] = useState<number | null>(initial);
  const [choice, setChoice] = useState<RetentionChoice>(initial === null ? 'forever' : 'days');
  const [days, setDays] = useState(initial === null ? '365' : String(initial));
  const [feedback, setFeedback] = useState<Feedback>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    let value: number | null = null;
    if (choice === 'days') {
      const parsed = parseDays(days);
      if (typeof parsed === 'string') {
        setFeedback({ ok: false, text: parsed });
        return;
      }
      value = parsed;
    }
    setBusy(true);
    try {
      const r = await request<AdminRetentionResult>(COMMANDS.adminSetRetention, { days: value });
      setCurrent(r.days);
      setFeedback({ ok: true, text: r.days === null ? 'Messages are kept forever.' : `Messages older than ${daysText(r.days)} will be deleted.` });
    } catch (err) {
      setFeedback({ ok: false, text: hostRefusal(err) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="admin-section" aria-label="Retention" onSubmit={(e) => void submit(e)} noValidate>
      <h3>Retention</h3>
      <p className="muted small-text">
        {current === null ? 'Now: messages are kept forever.' : `Now: messages older than ${daysText(current)} are deleted, with their files.`}{' '}
        Rooms with their own rule keep it.
      </p>
      <RetentionChoices legend="For every room without its own rule" choice={choice} days={days} onChoice={setChoice} onDays={setDays} />
      <div className="row">
        <button type="submit" className="small" disabled={busy}>
          Save retention
        </button>
      </div>
      {feedback && (
        <p className={feedback.ok ? 'admin-ok small-text' : 'error small-text'} role={feedback.ok ? 'status' : 'alert'}>
          {feedback.text}
        </p>
      )}
    </form>
  );
}
