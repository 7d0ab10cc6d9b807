import { MODES, type Mode } from '../../services/common/vocabulary.js'
import { STICKY_COOKIE, stickyCookiePath } from '../balance/affinity.js'

/**
 * `POST /_lb/new-customer`: an empty cookie jar for the caller's browser.
 *
 * The cookies that tie a browser to a dialogue and a clerk are HttpOnly (the clerk's
 * `stateful_sid` and `shared_sid`, the proxy's sticky `lb_clerk`), so a page cannot clear them
 * itself. This route answers with Set-Cookie headers that expire them, under the same names,
 * paths and attributes they were issued with (a cookie is only replaced by one with the same
 * name, path and domain), so the next request arrives with none and sticky routing picks a clerk
 * afresh. It needs no token: it only touches the caller's own cookies.
 */

export const NEW_CUSTOMER_PATH = '/_lb/new-customer'
/** a mode of services/common/vocabulary.ts, or all of them */
export type NewCustomerMode = Mode | 'all'

// The clerk's session cookies, as services/clerk/modes/stateful.ts and shared.ts set them
// (@fastify/session: path, HttpOnly, SameSite=Lax, not Secure, no Domain). Written out here rather
// than imported, so the proxy does not load the clerk's session code; a unit test holds them equal.
export const STATEFUL_SESSION_COOKIE = { name: 'stateful_sid', path: '/stateful' } as const
export const SHARED_SESSION_COOKIE = { name: 'shared_sid', path: '/shared' } as const
// proxy/balance/affinity.ts issues it at its route's path (HttpOnly; SameSite=Lax); before that,
// one lb_clerk at Path=/ served the whole browser, and a browser may still hold one
const stickyCookieAt = (path: string) => ({ name: STICKY_COOKIE, path }) as const
export const STICKY_CLERK_COOKIE = stickyCookieAt('/')

interface CookieToExpire {
  readonly name: string
  readonly path: string
}

/** a mode's own pin (at its route's path) and the old browser-wide one */
const stickyCookiesOf = (mode: Mode): CookieToExpire[] => [stickyCookieAt(stickyCookiePath(mode)), STICKY_CLERK_COOKIE]

/**
 * Which cookies each mode's "new customer" expires: that mode's session cookie and its own sticky
 * pin, never another mode's (each column of a page is its own customer), and the old browser-wide
 * pin at Path=/ if one is left.
 */
const COOKIES_BY_MODE: Readonly<Record<NewCustomerMode, readonly CookieToExpire[]>> = Object.freeze({
  stateful: [STATEFUL_SESSION_COOKIE, ...stickyCookiesOf('stateful')],
  shared: [SHARED_SESSION_COOKIE, ...stickyCookiesOf('shared')],
  stateless: stickyCookiesOf('stateless'),
  all: [STATEFUL_SESSION_COOKIE, SHARED_SESSION_COOKIE, ...MODES.map((m) => stickyCookieAt(stickyCookiePath(m))), STICKY_CLERK_COOKIE],
})

/** the modes `?mode=` accepts, in the table's order */
export const NEW_CUSTOMER_MODES = Object.freeze(Object.keys(COOKIES_BY_MODE)) as readonly NewCustomerMode[]

/** A Set-Cookie value that deletes the cookie `name` at `path` (Max-Age=0, and a past Expires for old clients). */
export function expiredCookie({ name, path }: CookieToExpire): string {
  return `${name}=; Path=${path}; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax`
}

export function isNewCustomerMode(value: unknown): value is NewCustomerMode {
  return typeof value === 'string' && (NEW_CUSTOMER_MODES as readonly string[]).includes(value)
}

export type NewCustomerAnswer = { ok: true; mode: NewCustomerMode; expired: string[]; setCookie: string[] } | { ok: false; message: string }

/**
 * Computes the answer to `POST /_lb/new-customer?<query>` (the query without its `?`): which
 * cookies to expire, or a sentence saying what is wrong with the query.
 *
 * @example
 *   newCustomer('mode=stateful') // → { ok: true, mode: 'stateful', expired: ['stateful_sid', 'lb_clerk'], setCookie: [...] }
 *   newCustomer('mode=nope')     // → { ok: false, message: '"mode" must be one of …' }
 */
export function newCustomer(query: string): NewCustomerAnswer {
  const params = new URLSearchParams(query)
  const given = params.getAll('mode')
  if (given.length > 1) {
    return { ok: false, message: `"mode" may be given once, got it ${given.length} times` }
  }
  const mode = given[0] ?? 'all'
  if (!isNewCustomerMode(mode)) {
    return { ok: false, message: `"mode" must be one of ${NEW_CUSTOMER_MODES.join(', ')} (default all), got ${JSON.stringify(mode)}` }
  }
  const cookies = COOKIES_BY_MODE[mode]
  return { ok: true, mode, expired: [...new Set(cookies.map((c) => c.name))], setCookie: cookies.map(expiredCookie) }
}
