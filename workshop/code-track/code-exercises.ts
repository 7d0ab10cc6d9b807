/**
 * The code track's exercises, in ONE table: the learner writes one piece of the real system from
 * a stub, in a workspace outside the source tree (workspace.ts); `npm run workshop -- code test N`
 * runs the project's OWN test files for that piece with the piece's module swapped for the
 * learner's file (vitest.config.ts), and `code plug N` starts nothing itself but builds the file
 * and prints how to start a cluster whose processes load it in place of the module (plug-in.ts).
 * The project's code is never edited: the swap happens when modules are resolved.
 */
export interface CodeExercise {
  /** `code start 1` … */
  readonly id: number
  /** the directory under workshop/code-track/ with stub.ts and answer.ts, and the learner's file name */
  readonly slug: string
  readonly title: string
  /** the project module the learner's file stands in for, relative to the project root */
  readonly module: string
  /** the project's own test files that exercise that module */
  readonly tests: readonly string[]
  /** the handout page, relative to the project root */
  readonly page: string
  /** what to do on the plugged-in cluster to see it work, in one line */
  readonly see: string
}

export const CODE_EXERCISES: readonly CodeExercise[] = Object.freeze([
  {
    id: 1,
    slug: '1-least-connections',
    title: 'The least-connections balancer (the proxy picks a clerk)',
    module: 'proxy/balance/pickers.ts',
    tests: ['test/unit/proxy/balance/policies.test.ts'],
    page: 'docs/workshop/code-track.md#1-the-least-connections-balancer',
    see: 'PUT policy least-connections on /stateless, slow one clerk, and watch new customers go to the others',
  },
  {
    id: 2,
    slug: '2-context-token',
    title: 'The stateless context token (HMAC sign and verify)',
    module: 'services/clerk/context-token.ts',
    tests: ['test/unit/clerk/context-token.test.ts', 'test/unit/clerk/context-token.property.test.ts'],
    page: 'docs/workshop/code-track.md#2-the-stateless-context-token',
    see: 'play a stateless dialogue, then send its token with one character changed: 401 context_tampered',
  },
  {
    id: 3,
    slug: '3-pay-replay',
    title: 'Idempotent pay (a retry or a different payment?)',
    module: 'services/clerk/order-replay.ts',
    tests: ['test/unit/clerk/order-replay.test.ts'],
    page: 'docs/workshop/code-track.md#3-idempotent-pay',
    see: 'pay twice with the same Idempotency-Key: the same order; with another dialogue: 422',
  },
])

export function codeExerciseById(id: number): CodeExercise | undefined {
  return CODE_EXERCISES.find((e) => e.id === id)
}
