/**
 * A person's avatar: their initials on their colour (lib/avatar.ts), or a bot's emoji. Always
 * beside their name, so it is decoration to a screen reader (aria-hidden); the initials are drawn
 * by CSS from `data-initials` (profile.css), so they are in no element's text either (a button's
 * visible text stays its name: axe's label-content-name-mismatch).
 */
import type { CSSProperties } from 'react';

import { avatarColors, initials } from '@/lib/avatar';

export type AvatarPerson = { id: number; name: string; bot?: boolean; avatar?: string };

export function Avatar({ user, size = 'sm' }: { user: AvatarPerson; size?: 'sm' | 'md' | 'lg' }) {
  if (user.bot && user.avatar) {
    return (
      <span className={`avatar avatar-${size} avatar-bot`} aria-hidden="true">
        {user.avatar}
      </span>
    );
  }
  const [light, dark] = avatarColors(user.id);
  const style = { '--avatar-light': light, '--avatar-dark': dark } as CSSProperties;
  return (
    <span className={`avatar avatar-${size}`} style={style} data-initials={initials(user.name)} aria-hidden="true" />
  );
}
