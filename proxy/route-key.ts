import type { RouteKey } from '../services/common/vocabulary.js'

/**
 * Which part of the proxy a request path belongs to. Dialogue prefixes and /orders (the ROUTES of
 * services/common/vocabulary.ts) are forwarded to clerks with the policy of their route key; the
 * rest is the proxy's own.
 */

export type PathKind = RouteKey | 'admin' | 'metrics' | 'cluster' | 'dashboard' | 'other'

/** true when `path` is `prefix` itself or continues with "/" or "?" (so /statefulness is not /stateful) */
function under(path: string, prefix: string): boolean {
  if (!path.startsWith(prefix)) return false
  const next = path.charCodeAt(prefix.length)
  return Number.isNaN(next) || next === 47 /* / */ || next === 63 /* ? */
}

export function classifyPath(path: string): PathKind {
  // the three dialogue prefixes are checked first: they are nearly all the traffic
  if (under(path, '/stateless')) return 'stateless'
  if (under(path, '/stateful')) return 'stateful'
  if (under(path, '/shared')) return 'shared'
  if (under(path, '/orders')) return 'orders'
  if (under(path, '/_lb')) return 'admin'
  if (under(path, '/_cluster')) return 'cluster'
  if (under(path, '/metrics')) return 'metrics'
  if (path === '/' || path.startsWith('/?') || under(path, '/dashboard')) return 'dashboard'
  return 'other'
}
