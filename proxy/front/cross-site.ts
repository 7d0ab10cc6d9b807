import type { IncomingMessage } from 'node:http'

/**
 * Cross-site request forgery: a page on another origin can make the visitor's browser send a
 * request to the proxy with the visitor's cookies, without any script of ours running. An
 * auto-submitting form did exactly that to `POST /_lb/new-customer` and wiped the visitor's
 * session cookies (issue 10, finding 6); a form to a dialogue route could move their sticky
 * cookie to another clerk. Such a form can only send GET or POST (fetch with `no-cors` the same
 * few methods), and every browser of the last years says where a request comes from:
 * `Sec-Fetch-Site` (Chromium, Firefox, Safari 16.4+) or, failing that, `Origin` (every browser on
 * a POST). So a request with a method that may change something is refused when the browser says
 * it comes from another origin, on every route. Same-origin requests (the dashboard's own) pass,
 * and so do clients that are not browsers (curl, the load test), which send neither header.
 *
 * Another port of the same host is another origin: `same-site` is refused too.
 *
 * @example
 *   crossSiteRefusal({ method: 'POST', headers: { 'sec-fetch-site': 'cross-site', host: 'a:8080' } }) // → a sentence
 *   crossSiteRefusal({ method: 'POST', headers: { origin: 'http://a:8080', host: 'a:8080' } })        // → undefined
 *   crossSiteRefusal({ method: 'POST', headers: {} })                                                 // → undefined (curl)
 */

/** methods RFC 9110 §9.2.1 calls safe: they change nothing, so any page may send them */
const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE'])
/** what Sec-Fetch-Site says of a request the proxy's own origin made, or the user typed */
const OWN: ReadonlySet<string> = new Set(['same-origin', 'none'])

type RequestLike = Pick<IncomingMessage, 'method'> & { headers: Pick<IncomingMessage['headers'], 'origin' | 'host' | 'sec-fetch-site'> }

/** undefined when the request may go on; else the sentence for the 403 */
export function crossSiteRefusal(req: RequestLike): string | undefined {
  if (SAFE_METHODS.has(req.method ?? 'GET')) return undefined
  const site = req.headers['sec-fetch-site']
  if (site !== undefined) {
    if (OWN.has(site)) return undefined
    return refusal(req.method, `the browser says it comes from a page of another origin (Sec-Fetch-Site: ${site.slice(0, 20)})`)
  }
  const origin = req.headers.origin
  if (origin === undefined) return undefined // not a browser, or one that says nothing either way
  if (sameHost(origin, req.headers.host)) return undefined
  return refusal(req.method, `it comes from a page of another origin (Origin: ${origin.slice(0, 100)})`)
}

function refusal(method: string | undefined, why: string): string {
  return `The proxy refuses a cross-site ${method ?? 'request'}: ${why}. Routes that change something take requests from the dashboard's own origin, or from clients that are not browsers`
}

/** whether Origin names the host:port the request was sent to */
function sameHost(origin: string, host: string | undefined): boolean {
  if (host === undefined || origin === 'null') return false
  try {
    const from = new URL(origin)
    const to = new URL(`${from.protocol}//${host}`)
    return from.host === to.host
  } catch {
    return false
  }
}
