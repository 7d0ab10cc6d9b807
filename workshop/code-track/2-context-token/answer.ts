import { createHmac, timingSafeEqual } from 'node:crypto'
import { decodeBase64urlStrict, type VerifiedContext } from '../../../services/clerk/context-token.js'
import { readDialogueState, type DialogueState } from '../../../services/clerk/dialogue.js'

// Code track, exercise 2: the answer key (the same as services/clerk/context-token.ts).
export { decodeBase64urlStrict, type VerifiedContext }

export const MAX_TOKEN_LENGTH = 2048
const PREFIX = 'v1.'
const FUTURE_SLACK_MS = 60_000 // 60 s of clock skew between clerks

const mac = (secret: string, payload: string): Buffer => createHmac('sha256', secret).update(payload).digest()

export function signContext(state: DialogueState, secret: string, now: number): string {
  const payload = Buffer.from(JSON.stringify({ ...state, iat: now })).toString('base64url')
  return `${PREFIX}${payload}.${mac(secret, payload).toString('base64url')}`
}

export function verifyContext(token: string, secret: string, now: number, ttlMs: number): VerifiedContext {
  const tampered: VerifiedContext = { ok: false, reason: 'tampered' }
  if (token.length > MAX_TOKEN_LENGTH || !token.startsWith(PREFIX)) return tampered
  const parts = token.slice(PREFIX.length).split('.')
  if (parts.length !== 2) return tampered
  const [payload = '', signature = ''] = parts
  // strict decoding: a lenient one would let "sig=" or a twin last character verify too
  const given = decodeBase64urlStrict(signature)
  const expected = mac(secret, payload)
  // constant time, so the signature cannot be guessed byte by byte from timings
  if (given === undefined || given.length !== expected.length || !timingSafeEqual(given, expected)) return tampered
  const json = decodeBase64urlStrict(payload)
  if (json === undefined) return tampered
  let decoded: unknown
  try {
    decoded = JSON.parse(json.toString('utf8'))
  } catch {
    return tampered
  }
  if (typeof decoded !== 'object' || decoded === null) return tampered
  const { iat, ...fields } = decoded as { iat?: unknown }
  const state = readDialogueState(fields)
  if (typeof iat !== 'number' || state === undefined || state.step === 'none') return tampered
  if (now - iat > ttlMs || iat - now > FUTURE_SLACK_MS) return { ok: false, reason: 'expired' }
  return { ok: true, state, issuedAt: iat }
}
