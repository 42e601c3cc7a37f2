/**
 * The composer's length counter: hidden for ordinary messages, shown from 90 % of the host's
 * limit so a long message does not meet a refusal by surprise. Lengths are code points, as the
 * host counts them (lib/protocol.ts `textLength`).
 */
export const HINT_FROM = 0.9;

export type LengthHint = { text: string; over: boolean };

export function lengthHint(length: number, max: number): LengthHint | null {
  if (length < Math.ceil(max * HINT_FROM)) return null;
  if (length > max) return { text: `${(length - max).toLocaleString('en')} over the ${max.toLocaleString('en')}-character limit`, over: true };
  return { text: `${(max - length).toLocaleString('en')} characters left`, over: false };
}
