import { createHash, timingSafeEqual } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'

/**
 * The admin token as every part of the cluster reads and checks it: `Authorization: Bearer
 * <ADMIN_TOKEN>` (the scheme in any case, RFC 9110 §11.1) or `X-Admin-Token: <ADMIN_TOKEN>`.
 * The check compares SHA-256 digests with timingSafeEqual: both sides are always 32 bytes, so
 * neither the token's length nor the position of the first wrong character shows in the time an
 * answer takes.
 *
 * @example
 *   const isAdmin = adminTokenCheck(process.env.ADMIN_TOKEN)
 *   if (!isAdmin(request.headers)) throw unauthorized
 */
export function presentedToken(headers: IncomingHttpHeaders): string | undefined {
  const auth = headers.authorization
  if (typeof auth === 'string' && /^bearer /i.test(auth)) return auth.slice('bearer '.length).trim()
  const header = headers['x-admin-token']
  return typeof header === 'string' ? header : undefined
}

/** true when `headers` carry `expected`; always false when no token is configured */
export type AdminTokenCheck = (headers: IncomingHttpHeaders) => boolean

export function adminTokenCheck(expected: string | undefined): AdminTokenCheck {
  if (expected === undefined) return () => false
  const want = digest(expected)
  return (headers) => {
    const given = presentedToken(headers)
    return given !== undefined && timingSafeEqual(digest(given), want)
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest()
}
