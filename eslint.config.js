// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import security from 'eslint-plugin-security';
import noUnsanitized from 'eslint-plugin-no-unsanitized';

export default tseslint.config(
  { ignores: ['node_modules/', 'web/dist/', 'dist/', 'coverage/', 'test-results/', 'data/', 'bench/scratch/'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  security.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/explicit-function-return-type': ['error', { allowExpressions: true, allowTypedFunctionExpressions: true, allowHigherOrderFunctions: true }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // Object keys here are fixed names from our own code, not user input.
      'security/detect-object-injection': 'off',
      // Node 20's key-generation jobs can deadlock a garbage collection (src/crypto/key-pair.ts says how).
      'no-restricted-imports': ['error', {
        paths: ['node:crypto', 'crypto'].map((name) => ({
          name,
          importNames: ['generateKeyPair', 'generateKeyPairSync'],
          message: 'Use newKeyPair() from src/crypto/key-pair.ts: KeyObjects straight from a key-generation job can deadlock the garbage collector.',
        })),
      }],
    },
  },
  {
    files: ['src/crypto/key-pair.ts'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    files: ['web/**/*.{ts,tsx}'],
    plugins: { 'no-unsanitized': noUnsanitized },
    rules: {
      'no-unsanitized/method': 'error',
      'no-unsanitized/property': 'error',
      'react/no-danger': 'off',
      'no-restricted-syntax': ['error', { selector: "JSXAttribute[name.name='dangerouslySetInnerHTML']", message: 'No raw HTML sinks in the UI.' }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
    rules: { '@typescript-eslint/explicit-function-return-type': 'off' },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts', 'bench/**/*.mjs'],
    rules: {
      '@typescript-eslint/explicit-function-return-type': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      'security/detect-non-literal-fs-filename': 'off',
      'security/detect-child-process': 'off',
    },
  },
);
