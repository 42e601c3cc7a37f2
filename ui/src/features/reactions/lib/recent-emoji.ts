/** The emoji this device reacted with most recently, first in the picker ("Recent"). */
import { loadJson, saveJson } from '@/lib/storage';

const KEY = 'recent-emoji';
const KEEP = 16;

export function recentEmoji(): string[] {
  const stored = loadJson<unknown>(KEY, []);
  return Array.isArray(stored) ? stored.filter((e): e is string => typeof e === 'string').slice(0, KEEP) : [];
}

export function rememberEmoji(char: string): void {
  saveJson(KEY, [char, ...recentEmoji().filter((e) => e !== char)].slice(0, KEEP));
}
