import type { ForwardEngine } from '../forward/engines/engine.js'
import type { NetEngine } from '../forward/engines/net-engine.js'
import { createFastFront, type ProxyFront } from '../fast/fast-front.js'
import type { EngineName } from '../options.js'
import { createHttpFront, type FrontOptions, type ProxyPlane } from './http-front.js'

export type { ProxyFront }

/**
 * The proxy's front for PROXY_ENGINE: node:http (http-front.ts) with the engine it names, or, for
 * `fast`, the fast path (proxy/fast/) with node:http behind it for everything the fast path
 * leaves to it: the net engine, on the same clerk lines as the fast path.
 */
export function createFront(name: EngineName, plane: ProxyPlane, engine: ForwardEngine, options: FrontOptions): ProxyFront {
  if (name !== 'fast') return createHttpFront(plane, engine, options)
  if (!('lines' in engine)) throw new Error('PROXY_ENGINE=fast runs with the net engine behind node:http (create-engine.ts)')
  return createFastFront(plane, engine as NetEngine, options)
}
