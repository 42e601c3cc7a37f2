/** "Host settings" in the header, shown to admins only (the host person and those they made admins). */
import '@/features/admin/components/admin.css';

import { useCallback, useState } from 'react';

import { useSession } from '@/stores/session-store';

import { GearIcon } from './gear-icon';
import { HostSettingsDialog } from './host-settings-dialog';

export function HostSettingsButton() {
  const isAdmin = useSession((s) => (s.user?.is_host || s.user?.admin) ?? false);
  const [open, setOpen] = useState(false);
  const close = useCallback(() => setOpen(false), []);
  if (!isAdmin) return null;
  return (
    <>
      <button type="button" className="small topbar-tool" aria-label="Host settings" title="Host settings" onClick={() => setOpen(true)}>
        <GearIcon />
        <span className="topbar-tool-label">Host settings</span>
      </button>
      {open && <HostSettingsDialog onClose={close} />}
    </>
  );
}
