import { createHash } from 'node:crypto'
import { eligibleForNew, type UpstreamView } from './policy.js'
import { pickRoundRobin } from './pickers.js'

export const STICKY_COOKIE = 'lb_clerk'

/**
 * The opaque value of the sticky cookie for a clerk: a short hash of its id, the same in every
 * worker and every restart (like HAProxy's `cookie SRV insert`), so it routes the same whichever
 * process reads it, and does not show the clerk's name or address to the customer.
 */
export function stickyCookieId(clerkId: string): string {
  return createHash('sha256').update(`clerk-cluster:lb:${clerkId}`).digest('base64url').slice(0, 16)
}

export function stickySetCookie(cookieId: string): string {
  return `${STICKY_COOKIE}=${cookieId}; Path=/; HttpOnly; SameSite=Lax`
}

/** Reads lb_clerk from a Cookie header without parsing the rest of it. */
export function readStickyCookie(cookieHeader: string | undefined): string | undefined {
  if (cookieHeader === undefined) return undefined
  let at = cookieHeader.indexOf(`${STICKY_COOKIE}=`)
  while (at !== -1) {
    const before = at === 0 ? ' ' : cookieHeader[at - 1]
    if (before === ' ' || before === ';') {
      const start = at + STICKY_COOKIE.length + 1
      const end = cookieHeader.indexOf(';', start)
      return cookieHeader.slice(start, end === -1 ? undefined : end).trim()
    }
    at = cookieHeader.indexOf(`${STICKY_COOKIE}=`, at + 1)
  }
  return undefined
}

export type StickyDecision<U> =
  /** the cookie names a healthy clerk (drained or not: its customers finish there) */
  | { kind: 'pinned'; upstream: U }
  /** no cookie, or one naming no clerk we know: a new session, give it a cookie */
  | { kind: 'new'; upstream: U }
  /** the cookie names a clerk that is down (or already failed this request): move, re-issue */
  | { kind: 'redispatched'; upstream: U; from: U }
  /** nobody can take it */
  | { kind: 'none'; from?: U }

/**
 * Sticky: follow the cookie to its clerk while that clerk is healthy; otherwise choose a new clerk
 * round-robin among those that may take new sessions.
 *
 * @example
 *   pickSticky([a, b], stickyCookieId('a'), 0)        // → pinned a
 *   pickSticky([a(down), b], stickyCookieId('a'), 0)  // → redispatched to b, from a
 */
export function pickSticky<U extends UpstreamView>(
  upstreams: readonly U[],
  cookieId: string | undefined,
  turn: number,
  exclude?: ReadonlySet<string>,
): StickyDecision<U> {
  let pinned: U | undefined
  if (cookieId !== undefined) {
    for (const u of upstreams) {
      if (u.cookieId === cookieId) {
        pinned = u
        break
      }
    }
  }
  if (pinned !== undefined && pinned.healthy && !(exclude?.has(pinned.id) ?? false)) {
    return { kind: 'pinned', upstream: pinned }
  }
  const next = pickRoundRobin(eligibleForNew(upstreams, exclude), turn)
  if (next === undefined) return pinned ? { kind: 'none', from: pinned } : { kind: 'none' }
  return pinned ? { kind: 'redispatched', upstream: next, from: pinned } : { kind: 'new', upstream: next }
}
