import { lookup as systemLookup, type LookupAddress, type LookupAllOptions, type LookupOptions } from 'node:dns'
import { isIP } from 'node:net'

/**
 * The address lookup behind every connection the proxy opens to a clerk (both engines and the
 * health checks): the system's `dns.lookup`, with the last good answer kept and served while the
 * resolver is slow or failing ("serve-stale", RFC 8767; HAProxy's `hold valid`, nginx's
 * `resolver ... valid=`).
 *
 * Why: in a container network a clerk's name is resolved by the engine's DNS server, which can
 * stall for seconds while another container comes or goes (measured under compose: one lookup of
 * clerk-a took 10 s while clerk-b was killed). Every fresh connection, the health checks' among
 * them, then waits in that lookup, the checks of every clerk time out together, and the proxy
 * ejects healthy clerks on evidence about the resolver, not about them.
 *
 * What stays evidence: ENOTFOUND (the name is gone, as a removed container's is) drops the entry
 * and fails the connection, like a refused one. Only a failure to get an answer (EAI_AGAIN, a
 * timeout, any other error) or a slow answer falls back to the last good one.
 *
 *   const lookup = createCachedLookup()
 *   net.connect({ host: 'clerk-a', port: 3000, lookup })
 */
export interface CachedLookupOptions {
  /** how long an answer is used without asking again (ms) */
  freshMs?: number
  /** how long a connection waits for a new answer before it takes the last good one (ms) */
  staleAfterMs?: number
  /** the resolver underneath (the system's by default) */
  resolve?: (hostname: string, options: LookupAllOptions, callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void

export type CachedLookup = (hostname: string, options: LookupOptions, callback: LookupCallback) => void

interface Entry {
  addresses: LookupAddress[]
  resolvedAt: number
}

const DEFINITIVE = new Set(['ENOTFOUND', 'ENODATA'])

export function createCachedLookup(options: CachedLookupOptions = {}): CachedLookup {
  const freshMs = options.freshMs ?? 1_000 // 1 s: a scaled-out clerk is found within a second
  const staleAfterMs = options.staleAfterMs ?? 250 // 250 ms: far above a healthy resolver's answer
  const resolve = options.resolve ?? ((hostname, opts, callback) => systemLookup(hostname, opts, callback))
  const entries = new Map<string, Entry>()
  const refreshing = new Map<string, Array<(err: NodeJS.ErrnoException | null) => void>>()

  /** one question to the resolver per name at a time; every waiter hears its outcome */
  function refresh(key: string, hostname: string, family: number, done: (err: NodeJS.ErrnoException | null) => void): void {
    const waiting = refreshing.get(key)
    if (waiting) {
      waiting.push(done)
      return
    }
    refreshing.set(key, [done])
    resolve(hostname, { all: true, family }, (err, addresses) => {
      if (!err && addresses.length > 0) entries.set(key, { addresses, resolvedAt: Date.now() })
      else if (err && DEFINITIVE.has(err.code ?? '')) entries.delete(key)
      const waiters = refreshing.get(key) ?? []
      refreshing.delete(key)
      const outcome = err ?? (addresses.length > 0 ? null : Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }))
      for (const waiter of waiters) waiter(outcome)
    })
  }

  return function cachedLookup(hostname, lookupOptions, callback) {
    const family = typeof lookupOptions.family === 'number' ? lookupOptions.family : 0
    const key = `${family}/${hostname}`
    const answer = (err: NodeJS.ErrnoException | null): void => {
      const entry = entries.get(key)
      if (entry === undefined) return callback(err ?? Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), [])
      if (lookupOptions.all === true) return callback(null, entry.addresses)
      const first = entry.addresses[0] as LookupAddress
      callback(null, first.address, first.family)
    }
    if (isIP(hostname) !== 0) {
      const ip = { address: hostname, family: isIP(hostname) }
      return lookupOptions.all === true ? callback(null, [ip]) : callback(null, ip.address, ip.family)
    }
    const entry = entries.get(key)
    if (entry !== undefined && Date.now() - entry.resolvedAt < freshMs) return answer(null)
    if (entry === undefined) return refresh(key, hostname, family, answer)

    // a stale answer exists: ask again, but take the stale one if the new one is slow or fails
    let settled = false
    const settle = (err: NodeJS.ErrnoException | null): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      // answer() serves the entry if one is left: a definitive "no such name" deleted it
      answer(err)
    }
    const timer = setTimeout(() => settle(null), staleAfterMs)
    refresh(key, hostname, family, settle)
  }
}

/** the proxy's one lookup: engines and health checks share what it learned */
export const clerkLookup: CachedLookup = createCachedLookup()
