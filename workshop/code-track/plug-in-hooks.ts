import type { InitializeHook, ResolveHook } from 'node:module'

/**
 * Module hooks (registered by plug-in.ts): every import that resolves to a replaced module
 * resolves to the learner's built file instead, except the learner file's own imports, so it can
 * re-export the parts it does not write. Nothing else changes.
 */
interface Swap {
  readonly replaced: string
  readonly learner: string
}

let swaps: readonly Swap[] = []

export const initialize: InitializeHook<readonly Swap[]> = (data) => {
  swaps = data
}

export const resolve: ResolveHook = async (specifier, context, nextResolve) => {
  const found = await nextResolve(specifier, context)
  const swap = swaps.find((s) => s.replaced === found.url && s.learner !== context.parentURL)
  return swap === undefined ? found : { ...found, url: swap.learner, shortCircuit: true }
}
