/** The invite (link, QR code) the host hands out for new people. */
import { COMMANDS, type InviteResult } from '@/lib/protocol';
import { request } from '@/lib/socket';

export async function getInvite(): Promise<InviteResult> {
  return request<InviteResult>(COMMANDS.getInvite, {});
}
