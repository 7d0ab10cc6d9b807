import type { InitializeHook, ResolveHook } from 'node:module'

/**
 * Module hooks (registered by plug-in.ts): every import that resolves to the replaced module
 * resolves to the learner's built file instead, except the learner file's own imports, so it can
 * re-export the parts it does not write. Nothing else changes.
 */
interface Swap {
  readonly replaced: string
  readonly learner: string
}

let swap: Swap | undefined

export const initialize: InitializeHook<Swap> = (data) => {
  swap = data
}

export const resolve: ResolveHook = async (specifier, context, nextResolve) => {
  const found = await nextResolve(specifier, context)
  if (swap === undefined || found.url !== swap.replaced || context.parentURL === swap.learner) return found
  return { ...found, url: swap.learner, shortCircuit: true }
}
