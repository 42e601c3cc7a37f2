import { render } from '@testing-library/react';

import { Avatar } from '@/components/ui/avatar';
import { avatarColors } from '@/lib/avatar';

describe('Avatar', () => {
  it('shows initials on the colour of the user id, hidden from screen readers', () => {
    const { container } = render(<Avatar user={{ id: 7, name: 'Ana Lopez' }} />);
    const el = container.querySelector('.avatar') as HTMLElement;
    expect(el.dataset.initials).toBe('AL');
    expect(el.textContent).toBe(''); // drawn by CSS: not part of any name's text
    expect(el.getAttribute('aria-hidden')).toBe('true');
    const [light, dark] = avatarColors(7);
    expect(el.style.getPropertyValue('--avatar-light')).toBe(light);
    expect(el.style.getPropertyValue('--avatar-dark')).toBe(dark);
  });

  it('keeps a bot its emoji', () => {
    const { container } = render(<Avatar user={{ id: 3, name: 'CI', bot: true, avatar: '🤖' }} />);
    expect(container.querySelector('.avatar-bot')?.textContent).toBe('🤖');
  });

  it('renders a name full of markup as text', () => {
    const { container } = render(<Avatar user={{ id: 1, name: '<img src=x onerror=alert(1)> y' }} />);
    expect(container.querySelector('img')).toBeNull();
    expect((container.querySelector('.avatar') as HTMLElement).dataset.initials).toBe('<Y');
  });
});
