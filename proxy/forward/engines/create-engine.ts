import type { EngineName, ProxyOptions } from '../../options.js'
import type { EngineOptions, ForwardEngine } from './engine.js'
import { createHttpProxyEngine } from './http-proxy-engine.js'
import { createNetEngine } from './net-engine.js'
import { createUndiciEngine } from './undici-engine.js'

/** what every engine reads of the options */
function engineOptions(options: ProxyOptions): EngineOptions {
  return {
    upstreamTimeoutMs: options.upstreamTimeoutMs,
    connectTimeoutMs: options.connectTimeoutMs,
    connectionsPerClerk: options.connectionsPerClerk,
    keepAliveIdleMs: options.keepAliveIdleMs,
    responseCapBytes: options.responseCapBytes,
  }
}

/** the engine PROXY_ENGINE names; `fast` forwards on its own (proxy/fast/) and has the net engine behind node:http for the rest */
export function createEngine(name: EngineName, options: ProxyOptions): ForwardEngine {
  const o = engineOptions(options)
  if (name === 'fast') return { ...createNetEngine(o), name: 'fast' }
  if (name === 'net') return createNetEngine(o)
  return name === 'http-proxy' ? createHttpProxyEngine(o) : createUndiciEngine(o)
}
