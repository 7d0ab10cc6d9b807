import { ProxyErrors, type ProxyErrorLike } from '../errors.js'
import type { ProxyState } from '../state/proxy-state.js'
import type { Upstream } from '../state/upstream.js'

/**
 * Clerks added and removed at run time (POST /_lb/clerks, DELETE /_lb/clerks/:id): the checks,
 * each refusal a sentence, and nothing changed unless every check passed. Kept only in memory:
 * a restarted proxy starts again from PROXY_CLERKS (and what discovery finds).
 */

// the clerk's own id alphabet (services/clerk/options.ts): ids are compared as written in cookies and logs
const CLERK_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/

export type Checked<T> = { ok: true; value: T } | { ok: false; error: ProxyErrorLike }

/** `{"id":"clerk-d","url":"http://127.0.0.1:8084"}` checked against the clerks the proxy has */
export function checkNewClerk(state: ProxyState, body: Record<string, unknown>): Checked<{ id: string; url: URL }> {
  const refuse = (message: string): Checked<never> => ({ ok: false, error: new ProxyErrors.PROXY_ERR_BAD_REQUEST(message) })
  const extra = Object.keys(body).filter((k) => k !== 'id' && k !== 'url')
  if (extra.length > 0) return refuse(`Send {"id":…,"url":…} only; unknown field(s): ${extra.join(', ')}`)
  const { id, url } = body
  if (typeof id !== 'string' || !CLERK_ID.test(id)) return refuse(`"id" must be 1-63 lower-case letters, digits, "-" or "_", got ${JSON.stringify(id)}`)
  if (typeof url !== 'string') return refuse(`"url" must be the clerk's address, such as "http://127.0.0.1:8084", got ${JSON.stringify(url)}`)
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return refuse(`"url" is not a URL: ${JSON.stringify(url)}`)
  }
  if (parsed.protocol !== 'http:') return refuse(`"url" must be http:// (the proxy speaks plain HTTP to its clerks), got ${parsed.protocol}`)
  if (parsed.username !== '' || parsed.password !== '' || (parsed.pathname !== '/' && parsed.pathname !== '') || parsed.search !== '' || parsed.hash !== '') {
    return refuse(`"url" must be only scheme, host and port, such as "http://127.0.0.1:8084"`)
  }
  if (state.byId.has(id)) return { ok: false, error: new ProxyErrors.PROXY_ERR_CONFLICT(`A clerk named "${id}" is already behind this proxy: choose another id`) }
  const taken = state.clerkAt(parsed)
  if (taken !== undefined) return { ok: false, error: new ProxyErrors.PROXY_ERR_CONFLICT(`${parsed.origin} is already ${taken.id}'s address`) }
  return { ok: true, value: { id, url: new URL(parsed.origin) } }
}

/** the clerk to remove, or why it may not be */
export function checkRemoval(state: ProxyState, id: string): Checked<Upstream> {
  const upstream = state.byId.get(id)
  if (upstream === undefined) return { ok: false, error: new ProxyErrors.PROXY_ERR_NOT_FOUND(`No clerk named "${id}"`) }
  if (state.upstreams.length === 1) {
    return { ok: false, error: new ProxyErrors.PROXY_ERR_CONFLICT(`${id} is the last clerk behind this proxy: add another before removing it`) }
  }
  return { ok: true, value: upstream }
}

/**
 * Removal drains first: the clerk takes no new customer, the requests it is answering finish
 * (its in-flight count reaches 0, or `graceMs` passes), then it leaves the list. A stateful clerk's
 * dialogues survive only through its handoff (services/clerk/handoff.ts): stop the clerk
 * (SIGTERM) before removing it, as `npm run chaos -- remove` does.
 */
export async function drainAndRemove(state: ProxyState, upstream: Upstream, by: string, graceMs: number, pollMs = 20): Promise<{ waitedMs: number; inFlight: number }> {
  const startedAt = Date.now()
  if (!upstream.drained) state.setDrained(upstream, true)
  while (upstream.inFlight > 0 && Date.now() - startedAt < graceMs) await new Promise((resolve) => setTimeout(resolve, pollMs))
  const inFlight = upstream.inFlight
  state.removeClerk(upstream, by)
  return { waitedMs: Date.now() - startedAt, inFlight }
}
