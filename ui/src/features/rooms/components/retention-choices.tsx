/**
 * The choice of a retention rule: keep forever, or delete after N days, and for a room also
 * "follow the host's default". Used by the room's dialog and the host settings' Retention section.
 */
import './retention.css';

import { useId } from 'react';

import { RETENTION_MAX_DAYS, RETENTION_MIN_DAYS } from '@/lib/protocol';

export type RetentionChoice = 'default' | 'forever' | 'days';

type Props = {
  choice: RetentionChoice;
  days: string;
  onChoice: (choice: RetentionChoice) => void;
  onDays: (days: string) => void;
  /** Shown for a room: what following the host's default means right now. */
  defaultLabel?: string;
  legend: string;
};

export function RetentionChoices({ choice, days, onChoice, onDays, defaultLabel, legend }: Props) {
  const name = useId();
  return (
    <fieldset className="retention-choices">
      <legend className="small-text muted">{legend}</legend>
      {defaultLabel !== undefined && (
        <label>
          <input type="radio" name={name} checked={choice === 'default'} onChange={() => onChoice('default')} />
          {defaultLabel}
        </label>
      )}
      <label>
        <input type="radio" name={name} checked={choice === 'forever'} onChange={() => onChoice('forever')} />
        Keep messages forever
      </label>
      <label>
        <input type="radio" name={name} checked={choice === 'days'} onChange={() => onChoice('days')} />
        Delete messages older than
        <input
          type="number"
          aria-label="Days to keep messages"
          min={RETENTION_MIN_DAYS}
          max={RETENTION_MAX_DAYS}
          value={days}
          onFocus={() => onChoice('days')}
          onChange={(e) => {
            onChoice('days');
            onDays(e.target.value);
          }}
        />
        days
      </label>
    </fieldset>
  );
}
