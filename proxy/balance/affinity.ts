import { clerkRouteId } from '../../services/common/clerk-route-id.js'
import type { Affinity, RouteKey } from '../../services/common/vocabulary.js'
import { connectionPinOf } from './connection-pins.js'
import type { TriedClerks, UpstreamView } from './pickers.js'

/**
 * The persistence step, before any balancing (as HAProxy decides cookie persistence before its
 * balance algorithm, and Envoy's stateful session sits on top of any policy): which clerk does
 * this request already belong to? Pure: it reads the request and the clerks, and changes nothing.
 * Turning a decision into a header (the sticky cookie) is the forwarder's.
 *
 * The affinities are AFFINITIES of services/common/vocabulary.ts: `none`, `cookie` (the proxy's
 * own `lb_clerk` cookie), `connection` (the client's TCP connection: connection-pins.ts holds
 * the clerk each was given) and `mcp-session` (the clerk an `Mcp-Session-Id` header names, else
 * the cookie, so one policy keeps both MCP clients and browsers with their clerk). One that reads
 * another header is a row in BELONGS_TO.
 */

/** A clerk as an affinity sees it: a picker's view, and the value that names it in a cookie. */
export interface PinnableView extends UpstreamView {
  /** the opaque value of the sticky cookie that names this clerk */
  readonly cookieId: string
}

/** What an affinity may read of a request: its Cookie and Mcp-Session-Id headers, and the connection it came on. */
export interface AffinityRequest {
  readonly headers: { readonly cookie?: string | undefined; readonly 'mcp-session-id'?: string | string[] | undefined }
  /** the client's connection (node's socket): only its identity is used */
  readonly socket?: object
}

export type AffinityDecision<U> =
  /** it belongs to a healthy clerk not yet tried for it (drained or not: its customers finish there) */
  | { kind: 'pinned'; upstream: U }
  /** it belongs to a clerk that is down, or already failed this request: balance, and pin anew */
  | { kind: 'redispatched'; from: U }
  /** it belongs to no clerk we know (no affinity, no cookie, a cookie naming nobody): balance */
  | { kind: 'none' }

const NONE: AffinityDecision<never> = Object.freeze({ kind: 'none' })

type BelongsTo = <U extends PinnableView>(upstreams: readonly U[], request: AffinityRequest) => U | undefined

/** For each affinity: the clerk a request names, if it names one we know. */
const BELONGS_TO: Readonly<Record<Affinity, BelongsTo>> = Object.freeze({
  none: () => undefined,
  cookie: (upstreams, request) => named(upstreams, readStickyCookie(request.headers.cookie)),
  connection: (upstreams, request) => {
    const clerkId = connectionPinOf(request.socket)
    if (clerkId === undefined) return undefined
    for (const u of upstreams) if (u.id === clerkId) return u
    return undefined
  },
  // Like Envoy's header-based stateful session, without rewriting the header: a clerk starts the
  // MCP session ids it hands out with its route id (services/common/clerk-route-id.ts), as Tomcat
  // ends a JSESSIONID with its jvmRoute. An MCP client sends no cookie; a browser no session id.
  'mcp-session': (upstreams, request) => named(upstreams, readMcpSessionRoute(request.headers['mcp-session-id'])) ?? named(upstreams, readStickyCookie(request.headers.cookie)),
})

function named<U extends PinnableView>(upstreams: readonly U[], routeId: string | undefined): U | undefined {
  if (routeId === undefined) return undefined
  for (const u of upstreams) if (u.cookieId === routeId) return u
  return undefined
}

/**
 * The route id an MCP session id starts with (`<route>.<rest>`), or undefined: no header, two of
 * them, or an id that names no route (another server's format; a clerk then answers 404).
 *
 * @example
 *   readMcpSessionRoute('Xk3…16 chars….6f1c0b2e-…') // 'Xk3…16 chars…'
 */
export function readMcpSessionRoute(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined
  const dot = header.indexOf('.')
  return dot > 0 ? header.slice(0, dot) : undefined
}

/**
 * @example
 *   decideAffinity('cookie', [a, b], { headers: { cookie: `lb_clerk=${b.cookieId}` } })         // → pinned b
 *   decideAffinity('cookie', [a(down), b], { headers: { cookie: `lb_clerk=${a.cookieId}` } })   // → redispatched from a
 *   decideAffinity('none', [a, b], { headers: { cookie: `lb_clerk=${b.cookieId}` } })           // → none
 */
export function decideAffinity<U extends PinnableView>(affinity: Affinity, upstreams: readonly U[], request: AffinityRequest, tried?: TriedClerks): AffinityDecision<U> {
  const named = BELONGS_TO[affinity](upstreams, request)
  if (named === undefined) return NONE
  if (named.healthy && !(tried?.has(named.id) ?? false)) return { kind: 'pinned', upstream: named }
  return { kind: 'redispatched', from: named }
}

export const STICKY_COOKIE = 'lb_clerk'

/**
 * The opaque value of the sticky cookie for a clerk: a short hash of its id, the same in every
 * worker and every restart (like HAProxy's `cookie SRV insert`), so it routes the same whichever
 * process reads it, and does not show the clerk's name or address to the customer.
 */
export function stickyCookieId(clerkId: string): string {
  return clerkRouteId(clerkId)
}

/**
 * The sticky cookie for one route, at that route's path (`/stateful`, `/shared`, …): the policy is
 * per route, so is the pin. A browser that plays several modes side by side (the dashboard's
 * columns, the learner page) keeps one pin per mode, and a new customer in one column unpins
 * that column only. The session cookies of the clerks are scoped the same way.
 *
 * @example
 *   stickySetCookie('xyz', 'stateful') // 'lb_clerk=xyz; Path=/stateful; HttpOnly; SameSite=Lax'
 */
export function stickySetCookie(cookieId: string, route: RouteKey): string {
  return `${STICKY_COOKIE}=${cookieId}; Path=${stickyCookiePath(route)}; HttpOnly; SameSite=Lax`
}

/** where a route's sticky cookie lives: the route's own path */
export function stickyCookiePath(route: RouteKey): string {
  return `/${route}`
}

/**
 * Reads lb_clerk from a Cookie header without parsing the rest of it. The first one wins: a
 * browser that still holds an older proxy's lb_clerk at Path=/ sends the route's own one first
 * (RFC 6265 5.4: longer paths first).
 */
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
