import { type AlertInput, decide, DEFAULT_SETTINGS, levelOf } from '@/features/notifications/lib/decide';
import { NOTIFY_LEVELS } from '@/lib/protocol';

const base: AlertInput = {
  level: 'all',
  mention: false,
  dm: false,
  dnd: false,
  focused: false,
  open: false,
  soundChannels: false,
  soundDirect: true,
};

describe('decide', () => {
  it('weighs every combination of level, mention, DM, do-not-disturb and focus', () => {
    const bools = [false, true];
    let cases = 0;
    for (const level of NOTIFY_LEVELS)
      for (const mention of bools)
        for (const dm of bools)
          for (const dnd of bools)
            for (const focused of bools)
              for (const open of bools) {
                const got = decide({ ...base, level, mention, dm, dnd, focused, open });
                // Written out from the settings panel's promises, not from the code.
                const wanted =
                  !dnd && (level === 'all' || (level === 'mentions' && mention)) && !(focused && open);
                expect(got.notify, JSON.stringify({ level, mention, dm, dnd, focused, open })).toBe(wanted);
                // Defaults: a sound for DMs and mentions, none for other channel messages.
                expect(got.sound).toBe(wanted && (dm || mention));
                cases += 1;
              }
    expect(cases).toBe(3 * 2 ** 5);
  });

  it('follows the sound switches', () => {
    expect(decide({ ...base, soundChannels: true })).toEqual({ notify: true, sound: true });
    expect(decide({ ...base, dm: true, soundDirect: false })).toEqual({ notify: true, sound: false });
    expect(decide({ ...base, mention: true, soundDirect: false, soundChannels: true })).toEqual({
      notify: true,
      sound: false,
    });
  });

  it('a muted room stays quiet even for a mention; DND silences a DM', () => {
    expect(decide({ ...base, level: 'nothing', mention: true, dm: true })).toEqual({ notify: false, sound: false });
    expect(decide({ ...base, dnd: true, dm: true, mention: true })).toEqual({ notify: false, sound: false });
  });

  it('a message in another room alerts even while the window has focus', () => {
    expect(decide({ ...base, focused: true, open: false }).notify).toBe(true);
    expect(decide({ ...base, focused: false, open: true }).notify).toBe(true);
    expect(decide({ ...base, focused: true, open: true }).notify).toBe(false);
  });
});

describe('levelOf', () => {
  it('is all unless the person chose another level for the room', () => {
    const settings = { ...DEFAULT_SETTINGS, rooms: [{ room_id: 2, level: 'nothing' as const }] };
    expect(levelOf(settings, 2)).toBe('nothing');
    expect(levelOf(settings, 1)).toBe('all');
  });
});
