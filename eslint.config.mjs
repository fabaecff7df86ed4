// Lint rules, including the module boundary: code reaches another library only through its
// public `index.ts` (`@kam/<lib>`), never through a relative path into its internals.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'data/**', 'coverage/**', '*.js', '*.mjs'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@kam/*/src', '@kam/*/src/*', '@kam/*/*', '!@kam/event-store/testing', '!@kam/kernel/testing', '!@kam/sales/upcasters', '!@kam/event-store/esdb', '!@kam/reporting/projections'], message: 'Import another library only through its index (@kam/<lib>).' },
            { group: ['**/libs/*', '**/libs/*/**', '../../*/src/**', '../../../*/src/**'], message: 'Import another library only through its index (@kam/<lib>).' },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', '**/testing/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
