/** Whether the host encrypts (and with which key), from `/api/info`: asked once per page. */
import { getJson } from '@/lib/http';
import { HTTP, type ServerInfo } from '@/lib/protocol';

export type HostTls = { tls: boolean; fingerprint: string | null; custom: boolean };

let asking: Promise<HostTls> | null = null;

export function hostTls(): Promise<HostTls> {
  asking ??= getJson<ServerInfo>(HTTP.info)
    .then((info) => tlsOf(info))
    .catch((err: unknown) => {
      asking = null; // asked again by the next screen that needs it
      throw err;
    });
  return asking;
}

/** An older host's /api/info has no `tls`: it served plain HTTP. */
export function tlsOf(info: ServerInfo): HostTls {
  return {
    tls: info.tls === true,
    fingerprint: typeof info.fingerprint === 'string' ? info.fingerprint : null,
    custom: info.custom_certificate === true,
  };
}

/** For unit tests. */
export function _resetHostTlsForTests(): void {
  asking = null;
}
