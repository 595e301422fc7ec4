// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.arbor/', 'arbor-out/', 'bin/', '.ci/'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['eslint.config.js', 'examples/*.mjs', 'bench/*.mjs', 'scripts/*.mjs'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  // The examples are plain JavaScript that imports the built package, as a user's code would; the
  // build scripts are plain JavaScript too.
  { files: ['examples/**/*.mjs', 'bench/*.mjs', 'scripts/*.mjs'], ...tseslint.configs.disableTypeChecked },
  { files: ['examples/**/*.mjs', 'bench/*.mjs', 'scripts/*.mjs'], languageOptions: { globals: { process: 'readonly', console: 'readonly' } } },
  // The dashboard's front-end: browser modules served as they are (no build step).
  { files: ['src/service/dashboard/public/**/*.js'], ...tseslint.configs.disableTypeChecked },
  {
    files: ['src/service/dashboard/public/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: Object.fromEntries(
        [
          'window', 'document', 'location', 'sessionStorage', 'fetch', 'WebSocket', 'console', 'performance',
          'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'requestAnimationFrame', 'cancelAnimationFrame', 'addEventListener',
          'removeEventListener', 'TextEncoder', 'URLSearchParams', 'URL', 'Blob',
        ].map((name) => [name, 'readonly']),
      ),
    },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/unbound-method': 'off' },
  },
);
