// typescript-eslint's recommended type-checked rules over src/, test/ and bench/ (`npm run lint`).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'eslint.config.js', '.dependency-cruiser.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: { allowDefaultProject: ['bench/*.ts'] }, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // A promise handed to `void` is a deliberate fire-and-forget (events, timers); the rest must be awaited.
      '@typescript-eslint/no-floating-promises': ['error', { ignoreVoid: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      // Label text is hostile: matching control characters in it is the point (model/show.ts, limits.ts).
      'no-control-regex': 'off',
    },
  },
  {
    // The benchmark's floor is plain JavaScript on purpose (bench/floor.mjs): linted without types.
    files: ['bench/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: { process: 'readonly', performance: 'readonly' } },
  },
  {
    // Fakes implement async interfaces without awaiting anything.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/require-await': 'off' },
  },
);
