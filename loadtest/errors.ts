import { defineErrors } from '../services/common/error-registry.js'

/**
 * The load test's error registry, in the registry shape of every part
 * (services/common/error-registry.ts): stable codes, one sentence each. The CLI prints the
 * message and exits 2 for bad options, 1 for a run that could not be carried out.
 */
export const loadtestErrors = defineErrors({
  LOADTEST_ERR_BAD_OPTION: ['bad_option', '%s', 400],
  LOADTEST_ERR_BAD_CHAOS: ['bad_chaos', '%s', 400],
  LOADTEST_ERR_CLUSTER: ['cluster', '%s', 503],
  LOADTEST_ERR_LEDGER: ['ledger', '%s', 502],
})

/** the constructors by code (`new LoadtestErrors.LOADTEST_ERR_LEDGER('…')`) */
export const LoadtestErrors = loadtestErrors.errors
export type LoadtestErrorCode = (typeof loadtestErrors.codes)[number]

export function badOption(sentence: string): Error {
  return new LoadtestErrors.LOADTEST_ERR_BAD_OPTION(sentence)
}

export function badChaos(sentence: string): Error {
  return new LoadtestErrors.LOADTEST_ERR_BAD_CHAOS(sentence)
}

export function isLoadtestError(err: unknown): err is Error & { code: LoadtestErrorCode } {
  return loadtestErrors.owns(err)
}
