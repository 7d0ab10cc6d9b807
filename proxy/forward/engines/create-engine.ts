import type { EngineName, ProxyOptions } from '../../options.js'
import type { ForwardEngine } from './engine.js'
import { createHttpProxyEngine } from './http-proxy-engine.js'
import { createNetEngine } from './net-engine.js'
import { createUndiciEngine } from './undici-engine.js'

export function createEngine(name: EngineName, options: ProxyOptions): ForwardEngine {
  const engineOptions = {
    upstreamTimeoutMs: options.upstreamTimeoutMs,
    connectTimeoutMs: options.connectTimeoutMs,
    connectionsPerClerk: options.connectionsPerClerk,
    keepAliveIdleMs: options.keepAliveIdleMs,
    responseCapBytes: options.responseCapBytes,
  }
  if (name === 'net') return createNetEngine(engineOptions)
  return name === 'http-proxy' ? createHttpProxyEngine(engineOptions) : createUndiciEngine(engineOptions)
}
