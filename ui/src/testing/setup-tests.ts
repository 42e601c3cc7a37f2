import '@testing-library/jest-dom/vitest';

import { cleanup } from '@testing-library/react';
import { afterEach, vi } from 'vitest';

vi.mock('@/lib/socket', () => import('@/testing/fake-socket'));

afterEach(() => {
  cleanup();
  localStorage.clear();
});
