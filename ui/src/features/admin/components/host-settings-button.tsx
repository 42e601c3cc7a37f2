/** "Host settings" in the header, shown to the host's own user only. */
import { useCallback, useState } from 'react';

import { useSession } from '@/stores/session-store';

import { HostSettingsDialog } from './host-settings-dialog';

export function HostSettingsButton() {
  const isHost = useSession((s) => s.user?.is_host ?? false);
  const [open, setOpen] = useState(false);
  const close = useCallback(() => setOpen(false), []);
  if (!isHost) return null;
  return (
    <>
      <button type="button" className="small" onClick={() => setOpen(true)}>
        Host settings
      </button>
      {open && <HostSettingsDialog onClose={close} />}
    </>
  );
}
