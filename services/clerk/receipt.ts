import { createHash } from 'node:crypto'
import type { Mode } from '../common/vocabulary.js'

/**
 * A receipt: the order a customer already paid for, given back to them by a clerk that lost
 * their dialogue. The case it exists for: a stateful clerk writes the order and dies before it
 * answers; the customer's retried pay (the proxy's retry, or their own with the same
 * Idempotency-Key) lands on another clerk, which has no dialogue to pay and used to answer 409
 * context_lost, leaving a customer charged and told "failed" (the load test's charged_unconfirmed).
 *
 * The key alone proves nothing (anyone who learnt it would read someone else's order), so a
 * receipt is filed under the key AND the customer: a hash of the session cookie that carried the
 * paying dialogue (the customer's bearer credential, the same cookie on every clerk), the mode and
 * the key. A retry presents both and finds the order; another customer with the same key computes
 * another id, finds nothing, and hears the same 409 context_lost as if no order existed at all: it
 * learns neither the order nor that the key was used. A hash, so the ledger holds no cookie; no
 * secret in it, so it survives a SESSION_SECRET change like the cookie's own session does.
 *
 * @example
 *   receiptId('stateful', 's%3Aabc.sig', 'key-1')   // 'r-Qx…' (45 characters)
 */
export function receiptId(mode: Mode, sessionCookie: string, idempotencyKey: string): string {
  // NUL separators: none of the three may contain one (a cookie and a key are visible ASCII)
  const digest = createHash('sha256').update(`receipt\0${mode}\0${sessionCookie}\0${idempotencyKey}`).digest('base64url')
  return `r-${digest}`
}
