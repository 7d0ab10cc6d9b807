import type { EngineOptions, ForwardEngine } from '../forward/engines/engine.js'
import { createFastFront, type ProxyFront } from '../fast/fast-front.js'
import type { EngineName } from '../options.js'
import { createHttpFront, type FrontOptions, type ProxyPlane } from './http-front.js'

export type { ProxyFront }

/**
 * The proxy's front for PROXY_ENGINE: node:http (http-front.ts) with the engine it names, or, for
 * `fast`, the fast path (proxy/fast/) with node:http behind it for everything the fast path
 * leaves to it (`engine`: the net engine, for those).
 */
export function createFront(name: EngineName, plane: ProxyPlane, engine: ForwardEngine, options: FrontOptions, engineOptions: EngineOptions): ProxyFront {
  return name === 'fast' ? createFastFront(plane, engine, options, engineOptions) : createHttpFront(plane, engine, options)
}
