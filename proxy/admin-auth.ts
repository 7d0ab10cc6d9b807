import { createHash, timingSafeEqual } from 'node:crypto'

export type AuthResult = { ok: true } | { ok: false; message: string }

/**
 * Admin routes that change anything need the token: `Authorization: Bearer <ADMIN_TOKEN>` or
 * `X-Admin-Token: <ADMIN_TOKEN>`. Compared through hashes in constant time. Without an
 * ADMIN_TOKEN the proxy refuses every change and says why.
 */
export function checkAdminToken(expected: string | undefined, headers: Record<string, string | undefined>): AuthResult {
  if (expected === undefined) {
    return { ok: false, message: 'ADMIN_TOKEN is not configured on the proxy, so admin changes are disabled: start it with ADMIN_TOKEN set' }
  }
  const auth = headers.authorization
  const given = auth !== undefined && /^bearer /i.test(auth) ? auth.slice(7).trim() : headers['x-admin-token']
  if (given === undefined || given === '') {
    return { ok: false, message: 'This admin route needs the token: send Authorization: Bearer <ADMIN_TOKEN> or X-Admin-Token' }
  }
  const a = createHash('sha256').update(given).digest()
  const b = createHash('sha256').update(expected).digest()
  return timingSafeEqual(a, b) ? { ok: true } : { ok: false, message: 'The admin token is wrong' }
}
