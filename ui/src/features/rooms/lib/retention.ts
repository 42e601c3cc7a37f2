/** Retention as people read it, and the one check of a number of days the UI makes before asking. */
import { RETENTION_MAX_DAYS, RETENTION_MIN_DAYS } from '@/lib/protocol';

/** "30 days", "1 day". */
export function daysText(days: number): string {
  return days === 1 ? '1 day' : `${days} days`;
}

/** The room header's sentence, or null when messages are kept forever. */
export function retentionNotice(days: number | null | undefined): string | null {
  return days ? `Messages older than ${daysText(days)} are deleted` : null;
}

/** A whole number of days within the host's bounds, or the sentence saying what is allowed. */
export function parseDays(value: string): number | string {
  const days = Number(value.trim());
  if (!/^\d+$/.test(value.trim()) || days < RETENTION_MIN_DAYS || days > RETENTION_MAX_DAYS) {
    return `Enter a whole number of days from ${RETENTION_MIN_DAYS} to ${RETENTION_MAX_DAYS}.`;
  }
  return days;
}
