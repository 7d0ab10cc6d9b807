import createError from '@fastify/error'

/**
 * The load test's error registry: stable codes, one sentence each. The CLI prints the message and
 * exits 2 for bad options, 1 for a run that could not be carried out.
 */
export const LoadtestErrors = {
  LOADTEST_ERR_BAD_OPTION: createError('LOADTEST_ERR_BAD_OPTION', '%s', 400),
  LOADTEST_ERR_BAD_CHAOS: createError('LOADTEST_ERR_BAD_CHAOS', '%s', 400),
  LOADTEST_ERR_CLUSTER: createError('LOADTEST_ERR_CLUSTER', '%s', 503),
  LOADTEST_ERR_LEDGER: createError('LOADTEST_ERR_LEDGER', '%s', 502),
} as const

export type LoadtestErrorCode = keyof typeof LoadtestErrors

export function badOption(sentence: string): Error {
  return new LoadtestErrors.LOADTEST_ERR_BAD_OPTION(sentence)
}

export function badChaos(sentence: string): Error {
  return new LoadtestErrors.LOADTEST_ERR_BAD_CHAOS(sentence)
}

export function isLoadtestError(err: unknown): err is Error & { code: LoadtestErrorCode } {
  const code: unknown = err instanceof Error ? (err as Error & { code?: unknown }).code : undefined
  return typeof code === 'string' && code.startsWith('LOADTEST_ERR_')
}
