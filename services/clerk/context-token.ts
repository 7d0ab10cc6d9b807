import { createHmac, timingSafeEqual } from 'node:crypto'
import { readDialogueState, type DialogueState } from './dialogue.js'

/**
 * The stateless mode's context: the whole dialogue state, carried by the client as an opaque
 * token `v1.<payload>.<signature>` (base64url JSON, HMAC-SHA256 with SESSION_SECRET). Any clerk
 * with the same secret can carry on; a client that edits one byte gets context_tampered, and an
 * old token context_expired. Prices are never in the token: the clerk takes them from its catalog.
 *
 * @example
 *   const token = signContext(state, secret, Date.now())
 *   const result = verifyContext(token, secret, Date.now(), 30 * 60_000)
 */
export type VerifiedContext = { ok: true; state: Exclude<DialogueState, { step: 'none' }>; issuedAt: number } | { ok: false; reason: 'tampered' | 'expired' }

const PREFIX = 'v1.'
/**
 * tokens longer than this are refused before any work (a 4 KiB body caps them anyway); a full
 * cart (MAX_CART_LINES products, every quantity 100) signs into about 2.9 KB
 */
export const MAX_TOKEN_LENGTH = 3072

function mac(secret: string, payload: string): Buffer {
  return createHmac('sha256', secret).update(payload).digest()
}

const BASE64URL = /^[A-Za-z0-9_-]*$/

/**
 * base64url as signContext writes it and nothing else: only the 64 characters of the alphabet,
 * no padding, no length that leaves a lone character (length % 4 === 1), and no set bit in the
 * last character's unused low bits (the canonical text: it encodes back to itself).
 *
 * @example
 *   decodeBase64urlStrict('AQI')    // <Buffer 01 02>
 *   decodeBase64urlStrict('AQI=')   // undefined (padding)
 *   decodeBase64urlStrict('AQJ')    // undefined (same bytes, unused bits set)
 */
export function decodeBase64urlStrict(text: string): Buffer | undefined {
  if (!BASE64URL.test(text) || text.length % 4 === 1) return undefined
  const bytes = Buffer.from(text, 'base64url')
  return bytes.toString('base64url') === text ? bytes : undefined
}

export function signContext(state: DialogueState, secret: string, now: number): string {
  const payload = Buffer.from(JSON.stringify({ ...state, iat: now })).toString('base64url')
  return `${PREFIX}${payload}.${mac(secret, payload).toString('base64url')}`
}

export function verifyContext(token: string, secret: string, now: number, ttlMs: number): VerifiedContext {
  if (token.length > MAX_TOKEN_LENGTH || !token.startsWith(PREFIX)) return { ok: false, reason: 'tampered' }
  const parts = token.slice(PREFIX.length).split('.')
  if (parts.length !== 2) return { ok: false, reason: 'tampered' }
  const [payload = '', signature = ''] = parts
  // Strictly: a lenient base64url decoder skips characters outside the alphabet and the unused
  // low bits of the last one, so "sig!!", "sig=", "sig " and a twin of the last character all
  // decoded to the same bytes and verified. Only the exact text we signed may verify.
  const given = decodeBase64urlStrict(signature)
  const expected = mac(secret, payload)
  // compare in constant time, so the signature cannot be guessed byte by byte from timings; the
  // lengths are public (always 32 bytes), so checking them first gives nothing away
  if (given === undefined || given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'tampered' }
  }
  const json = decodeBase64urlStrict(payload)
  if (json === undefined) return { ok: false, reason: 'tampered' }
  let decoded: unknown
  try {
    decoded = JSON.parse(json.toString('utf8'))
  } catch {
    return { ok: false, reason: 'tampered' }
  }
  if (typeof decoded !== 'object' || decoded === null) return { ok: false, reason: 'tampered' }
  const { iat, ...fields } = decoded as { iat?: unknown }
  // A good signature with a state no clerk would write (quantity -5, a product we do not sell)
  // means the secret signed something it should not have: the published dev secret, a leak. We
  // call it tampered (401), not lost: the client holds a token it must not be offered to carry on.
  const state = readDialogueState(fields)
  if (typeof iat !== 'number' || state === undefined || state.step === 'none') return { ok: false, reason: 'tampered' }
  if (now - iat > ttlMs || iat - now > 60_000) return { ok: false, reason: 'expired' }
  return { ok: true, state, issuedAt: iat }
}
