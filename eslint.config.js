// ESLint: a small set of rules that find bugs, not a style guide (prettier owns the layout).
// `npm run lint`. Type-aware: typescript-eslint asks the TypeScript program (tsconfig.json) what
// each expression's type is, which is how it knows that a call returns a promise nobody awaits.
//
// typescript-eslint needs TypeScript's JavaScript API, which TypeScript 7 (the native compiler
// that `tsc` is here) no longer has: package.json installs TypeScript 6 under the name
// `typescript` (@typescript/typescript6, the API's last version) for ESLint and editors, and
// TypeScript 7 as typescript-native, whose `tsc` the build and typecheck scripts run. (Not named
// @typescript/native: typescript-eslint reserves that name, as an optional peer, for TypeScript 7.1.)
import js from '@eslint/js'
import globals from 'globals'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'test-artifacts/', 'reports/', 'workshop-work/'] },

  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // --- promises: an unhandled rejection or a callback nobody awaits is a lost error or a crash
      '@typescript-eslint/no-floating-promises': 'error', // a promise neither awaited, returned, caught nor marked `void`
      '@typescript-eslint/no-misused-promises': 'error', // an async function where a plain callback is expected (its rejection goes nowhere)
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/return-await': ['error', 'in-try-catch'], // `return p` inside try: its rejection skips the catch and finally
      '@typescript-eslint/promise-function-async': 'off',
      // --- values that go nowhere
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      '@typescript-eslint/no-unused-expressions': 'error',
      // --- `any`: a value whose type nobody checks (JSON.parse, a caught error) flowing into typed code
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unsafe-assignment': 'error',
      '@typescript-eslint/no-unsafe-member-access': 'error',
      '@typescript-eslint/no-unsafe-call': 'error',
      '@typescript-eslint/no-unsafe-return': 'error',
      '@typescript-eslint/no-unsafe-argument': 'error',
      // --- a few more that find real bugs
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }], // a new mode, verb or policy nobody handles
      '@typescript-eslint/only-throw-error': 'error', // `throw 'text'` has no stack
      '@typescript-eslint/prefer-promise-reject-errors': 'error',
      '@typescript-eslint/no-base-to-string': 'error', // "[object Object]" in a message or a header
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true, allowNullish: true }],
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-fallthrough': 'error',
      // --- off: style, or what TypeScript itself already checks
      '@typescript-eslint/require-await': 'off', // an async function without await is a style question here
      '@typescript-eslint/no-non-null-assertion': 'off', // `x!` after a check the compiler cannot follow is a deliberate, visible claim
      // the code hands out closures (`const { call } = createAdminCall(…)`), never methods that need
      // their `this`: every finding of this rule here is a false alarm (4 of 4 when it was measured)
      '@typescript-eslint/unbound-method': 'off',
    },
  },

  // tests read JSON answers as loosely typed values on purpose: a wrong field fails the assertion
  // that reads it, so `any` there cannot hide a bug the way it can in the services
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },

  // the dashboard: plain browser ES modules, not in the TypeScript program
  {
    files: ['proxy/dashboard/static/**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { ...globals.browser } },
  },
  // this file and other plain config files outside the TypeScript program
  {
    files: ['*.js', '*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
)
