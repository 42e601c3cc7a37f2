/** Host settings: the host-wide retention, which every room follows unless it has its own rule. */
import { type FormEvent, useEffect, useState } from 'react';

import { daysText, parseDays, type RetentionChoice, RetentionChoices } from '@/features/rooms';
import { type AdminInfo, type AdminRetentionResult, COMMANDS } from '@/lib/protocol';
import { RequestError } from '@/lib/request-error';
import { request } from '@/lib/socket';

type Feedback = { ok: boolean; text: string } | null;

export function RetentionSection() {
  const [current, setCurrent] = useState<number | null | undefined>(undefined);
  const [choice, setChoice] = useState<RetentionChoice>('forever');
  const [days, setDays] = useState('365');
  const [feedback, setFeedback] = useState<Feedback>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    request<AdminInfo>(COMMANDS.adminInfo, {})
      .then((info) => {
        if (!live) return;
        const now = info.retention_days ?? null;
        setCurrent(now);
        setChoice(now === null ? 'forever' : 'days');
        if (now !== null) setDays(String(now));
      })
      .catch((err: unknown) => live && setFeedback({ ok: false, text: err instanceof RequestError ? err.message : 'Could not read the retention.' }));
    return () => {
      live = false;
    };
  }, []);

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
      setFeedback({ ok: false, text: err instanceof RequestError ? err.message : 'The host did not accept that.' });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="admin-section" aria-label="Retention" onSubmit={(e) => void submit(e)} noValidate>
      <h3>Retention</h3>
      <p className="muted small-text">
        {current === undefined
          ? 'Loading…'
          : current === null
            ? 'Now: messages are kept forever.'
            : `Now: messages older than ${daysText(current)} are deleted, with their files.`}{' '}
        Rooms with their own rule keep it.
      </p>
      <RetentionChoices legend="For every room without its own rule" choice={choice} days={days} onChoice={setChoice} onDays={setDays} />
      <div className="row">
        <button type="submit" className="small" disabled={busy || current === undefined}>
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
