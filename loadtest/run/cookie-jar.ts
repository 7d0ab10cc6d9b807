/**
 * The smallest cookie jar a virtual customer needs: remember `name=value` from each `set-cookie`
 * answer header and send them all back in one `Cookie` header. The clerk's `stateful_sid` /
 * `shared_sid` and the proxy's sticky `lb_clerk` all arrive this way. A cookie set with
 * `Max-Age=0` or an `Expires` in the past is a deletion. Paths and domains are ignored on purpose:
 * one jar serves one dialogue, which only ever talks to one mode's path on one host.
 *
 * @example
 *   const jar = createCookieJar()
 *   jar.take(['lb_clerk=abc; Path=/; HttpOnly', 'stateful_sid=s%3A1.x; Path=/stateful'])
 *   jar.header()   // 'lb_clerk=abc; stateful_sid=s%3A1.x'
 */
export interface CookieJar {
  /** reads one or more `set-cookie` header values (undefined: nothing to read) */
  take(setCookie: string | string[] | undefined, now?: number): void
  /** the `Cookie` request header, or undefined when the jar is empty */
  header(): string | undefined
  get(name: string): string | undefined
}

export interface ParsedSetCookie {
  name: string
  value: string
  /** true when the cookie deletes itself (Max-Age <= 0 or Expires in the past) */
  expired: boolean
}

export function parseSetCookie(line: string, now: number = Date.now()): ParsedSetCookie | undefined {
  const [pair, ...attributes] = line.split(';')
  if (pair === undefined) return undefined
  const eq = pair.indexOf('=')
  if (eq <= 0) return undefined
  const name = pair.slice(0, eq).trim()
  const value = pair.slice(eq + 1).trim()
  if (name === '') return undefined
  let expired = false
  for (const attribute of attributes) {
    const at = attribute.indexOf('=')
    const key = (at < 0 ? attribute : attribute.slice(0, at)).trim().toLowerCase()
    const arg = at < 0 ? '' : attribute.slice(at + 1).trim()
    if (key === 'max-age' && /^-?\d+$/.test(arg) && Number(arg) <= 0) expired = true
    if (key === 'expires') {
      const when = Date.parse(arg)
      if (!Number.isNaN(when) && when <= now) expired = true
    }
  }
  return { name, value, expired }
}

export function createCookieJar(): CookieJar {
  const cookies = new Map<string, string>()
  return {
    take(setCookie, now = Date.now()) {
      if (setCookie === undefined) return
      for (const line of Array.isArray(setCookie) ? setCookie : [setCookie]) {
        const cookie = parseSetCookie(line, now)
        if (!cookie) continue
        if (cookie.expired) cookies.delete(cookie.name)
        else cookies.set(cookie.name, cookie.value)
      }
    },
    header() {
      if (cookies.size === 0) return undefined
      return [...cookies].map(([name, value]) => `${name}=${value}`).join('; ')
    },
    get: (name) => cookies.get(name),
  }
}
