import { createHash } from 'node:crypto'
import type { FastifyRequest } from 'fastify'
import { clerkError } from './errors.js'

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/

/** the pay's Idempotency-Key (1-200 visible ASCII characters), null without one; 400 otherwise */
export function readIdempotencyKey(request: FastifyRequest): string | null {
  const value = request.headers['idempotency-key']
  if (value === undefined) return null
  if (typeof value !== 'string' || !IDEMPOTENCY_KEY.test(value)) {
    throw clerkError('CLERK_ERR_INVALID_BODY', {
      message: 'The Idempotency-Key header must be 1-200 visible ASCII characters.',
      field: 'Idempotency-Key',
    })
  }
  return value
}

/**
 * The dialogue of a stateless pay stated in explicit fields (product, quantity, method, no
 * context token): such a pay has no dialogue of its own, only its key, so the key names it. A
 * retry with the same key is then the same dialogue (and replays its order); the same key used by
 * a real dialogue (from a session or a token) is another dialogue (422). Whoever holds such a key
 * is that customer: keep keys secret, e.g. random UUIDs. A hash, not the key itself, so that the
 * id says nothing of the key; without a secret, so it survives a SESSION_SECRET change.
 *
 * @example
 *   keyedDialogueId('3f1c…')   // 'key-9Xb…' (47 characters)
 */
export function keyedDialogueId(key: string): string {
  return `key-${createHash('sha256').update(key).digest('base64url')}`
}
