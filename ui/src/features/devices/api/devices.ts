/** The devices commands (docs/protocol.md, "Devices and admins"). */
import {
  COMMANDS,
  type MyDevice,
  type MyDevicesResult,
  type RecoveryLinkResult,
  SIGN_IN_FRAGMENT,
  type SignInLinkResult,
  type WireUser,
} from '@/lib/protocol';
import { request } from '@/lib/socket';

/** A one-time link that signs another device in as me; `name` names that device ("" reads its browser). */
export function createDeviceLink(name: string): Promise<SignInLinkResult> {
  const trimmed = name.trim();
  return request<SignInLinkResult>(COMMANDS.createDeviceLink, trimmed ? { name: trimmed } : {});
}

export async function listDevices(): Promise<MyDevice[]> {
  return (await request<MyDevicesResult>(COMMANDS.listDevices, {})).devices;
}

export async function revokeDevice(deviceId: number): Promise<void> {
  await request(COMMANDS.revokeDevice, { device_id: deviceId });
}

/** An admin's one-time link for someone who lost every device. */
export function createRecoveryLink(userId: number): Promise<RecoveryLinkResult> {
  return request<RecoveryLinkResult>(COMMANDS.adminCreateRecoveryLink, { user_id: userId });
}

/** The host person makes someone an admin, or takes it back. */
export async function setAdmin(userId: number, admin: boolean): Promise<WireUser> {
  return (await request<{ user: WireUser }>(COMMANDS.adminSetAdmin, { user_id: userId, admin })).user;
}

const LOOPBACK = /^(127\.|localhost$|\[::1\]$)/;

/**
 * The link another device opens: this page's own address, unless that is this machine's loopback
 * (the desktop window), which no other device can reach: then the host's first LAN address. With
 * the host's key fingerprint (`&fp=`, as in an invite link) when it encrypts, so that an app
 * opening it pins that key and a browser's join screen can show it to compare.
 */
export function signInLink(
  secret: string,
  urls: string[],
  fingerprint: string | null = null,
  here: Location = window.location,
): string {
  const base = LOOPBACK.test(here.hostname) && urls.length > 0 ? urls[0]! : `${here.origin}/`;
  const slash = base.endsWith('/') ? base : `${base}/`;
  const fp = fingerprint ? `&fp=${fingerprint}` : '';
  return `${slash}#${SIGN_IN_FRAGMENT}=${encodeURIComponent(secret)}${fp}`;
}
