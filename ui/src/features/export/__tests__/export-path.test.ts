import { describe, expect, it } from 'vitest';

import { exportFileName } from '@/features/export/hooks/use-export';
import { exportPath } from '@/lib/protocol';

describe('export requests', () => {
  it('asks for each scope with exactly the parameters the host accepts', () => {
    expect(exportPath({ scope: 'host' })).toBe('./api/export?scope=host');
    expect(exportPath({ scope: 'mine' })).toBe('./api/export?scope=mine');
    expect(exportPath({ scope: 'room', room_id: 12 })).toBe('./api/export?scope=room&room_id=12');
  });

  it('names the saved zip by what it holds and the day', () => {
    expect(exportFileName('host', new Date('2026-12-06T23:59:00Z'))).toBe('parley-host-2026-12-06.zip');
  });
});
