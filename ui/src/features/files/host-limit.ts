/** The host's upload limit, from `/api/info` (asked once per page; the protocol default until then). */
import { getJson } from '@/lib/http';
import { HTTP, MAX_UPLOAD_BYTES, type ServerInfo } from '@/lib/protocol';

let known: number | null = null;
let asking: Promise<number> | null = null;

/** The limit if already known, else the protocol's default (the host refuses with 413 anyway). */
export function uploadLimitNow(): number {
  return known ?? MAX_UPLOAD_BYTES;
}

/** Ask the host once; later calls share the answer. */
export function uploadLimit(): Promise<number> {
  if (known !== null) return Promise.resolve(known);
  asking ??= getJson<ServerInfo>(HTTP.info)
    .then((info) => {
      const limit = typeof info.max_upload_bytes === 'number' && info.max_upload_bytes > 0 ? info.max_upload_bytes : MAX_UPLOAD_BYTES;
      known = limit;
      return limit;
    })
    .catch(() => {
      asking = null; // ask again next time; meanwhile the default stands
      return MAX_UPLOAD_BYTES;
    });
  return asking;
}

/** For unit tests. */
export function _setUploadLimitForTests(limit: number | null): void {
  known = limit;
  asking = null;
}
