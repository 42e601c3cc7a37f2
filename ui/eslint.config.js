// ESLint for the UI (make lint). Beyond the recommended JS/TypeScript and React-hooks rules, one
// architectural rule (bulletproof-react): a feature reaches another feature only through that
// feature's public index.ts, and the shared layers (components/, lib/, stores/) never reach into
// features or the app shell. The zones are made from the folders, so a new feature is covered by itself.
import { readdirSync } from 'node:fs';

import js from '@eslint/js';
import importPlugin from 'eslint-plugin-import';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const features = readdirSync(new URL('./src/features', import.meta.url), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

const featureZones = features.flatMap((target) =>
  features
    .filter((from) => from !== target)
    .map((from) => ({
      target: `./src/features/${target}`,
      from: `./src/features/${from}`,
      except: ['./index.ts'],
      message: `features/${target} may use features/${from} only through its index.ts`,
    })),
);

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { import: importPlugin, 'react-hooks': reactHooks },
    settings: { 'import/resolver': { typescript: { project: './tsconfig.json' } } },
    rules: {
      // The two classic hook rules; v7's compiler-era rules (set-state-in-effect …) are advice for
      // code written for the React Compiler, which this build does not use.
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
      'import/no-restricted-paths': [
        'error',
        {
          zones: [
            ...featureZones,
            {
              target: ['./src/components', './src/lib', './src/stores'],
              from: ['./src/features', './src/app'],
              message: 'shared code (components/, lib/, stores/) must not depend on features or the app',
            },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
);
