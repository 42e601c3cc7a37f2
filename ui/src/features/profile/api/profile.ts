/** What a person changes about themselves (docs/protocol.md, "Profiles"). */
import { applyUser } from '@/features/connection';
import { COMMANDS, type ProfileAck, type UserStatus } from '@/lib/protocol';
import { request } from '@/lib/socket';

/** A new display name; throws RequestError (`name_taken`, `invalid`: its message says why). */
export async function saveName(name: string): Promise<void> {
  const { user } = await request<ProfileAck>(COMMANDS.setName, { name });
  applyUser(user); // user_updated says the same; this makes it show without waiting
}

/** A status and its short text; `auto`: set by idleness (see hooks/use-auto-away.ts). */
export async function saveStatus(status: UserStatus, text: string, auto = false): Promise<void> {
  const payload = auto ? { status, text, auto } : { status, text };
  const { user } = await request<ProfileAck>(COMMANDS.setStatus, payload);
  applyUser(user);
}
