// Lint: TypeScript rules everywhere, plus the dependency rule that keeps the core pure.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const adapterLibraries = [
  { group: ['@aws-sdk/*', '@smithy/*'], message: 'functions/core must not import the AWS SDK: put it in functions/adapters.' },
  { group: ['ccxt', 'ccxt/*'], message: 'functions/core must not import ccxt: put it in functions/adapters.' },
  { group: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs', 'cdk-nag'], message: 'functions/core must not import CDK.' },
  { group: ['@aws-lambda-powertools/*'], message: 'functions/core must not import Powertools: log through the Logger port.' },
  { group: ['dynalite', 'dynalite/*'], message: 'functions/core must not import dynalite.' },
  { group: ['**/adapters/*', '**/adapters/**', '**/tick/*', '**/cli/*', '**/sandbox/*', '**/backtest/*'], message: 'functions/core depends on nothing outside itself.' },
];

export default tseslint.config(
  { ignores: ['node_modules/**', 'cdk.out/**', '.kbot/**', 'dist/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    files: ['functions/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: adapterLibraries }],
      'no-console': 'error',
    },
  },
  {
    // Users' strategies (./strategies, the examples): they decide from candles, like the core.
    files: ['strategies/**/*.ts', 'examples/strategies/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...adapterLibraries.slice(0, 5).map((p) => ({ group: p.group, message: `A strategy decides from candles: it may not import ${p.group[0]} (see docs/strategies.md).` })),
            { group: ['**/adapters/*', '**/adapters/**', '**/tick/*', '**/cli/*', '**/sandbox/*'], message: 'A strategy reads the engine\'s types only: nothing that talks to AWS or Kraken.' },
          ],
          paths: ['child_process', 'node:child_process', 'net', 'node:net', 'http', 'node:http', 'https', 'node:https'].map((name) => ({ name, message: 'A strategy may not start processes or open connections.' })),
        },
      ],
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.property.name='only']", message: 'No focused tests.' },
      ],
    },
  },
);
