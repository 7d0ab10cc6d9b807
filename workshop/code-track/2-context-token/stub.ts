import { createHmac, timingSafeEqual } from 'node:crypto'
import { decodeBase64urlStrict, type VerifiedContext } from '../../../services/clerk/context-token.js'
import { readDialogueState, type DialogueState } from '../../../services/clerk/dialogue.js'

// Code track, exercise 2: the stateless mode's context token. This file stands in for
// services/clerk/context-token.ts: decodeBase64urlStrict and readDialogueState are the project's
// own; you write signContext and verifyContext. The stateless clerks (and the MCP server's
// stateless tools) carry every dialogue in this token.
export { decodeBase64urlStrict, type VerifiedContext }

void createHmac // the two you will need: HMAC-SHA256, and a compare that takes the same time
void timingSafeEqual // whichever byte differs

/** tokens longer than this are refused before any work */
export const MAX_TOKEN_LENGTH = 2048

/**
 * The token: `v1.<payload>.<signature>`, where payload is the base64url text of the JSON of
 * `{ ...state, iat: now }` and signature the base64url text of HMAC-SHA256(secret, payload).
 *
 * @example
 *   signContext({ step: 'asked', dialogueId: 'd1', productId: 'laptop' }, 'secret', 1_700_000_000_000)
 *   // 'v1.eyJzdGVwIjoi….Qm9…'
 */
export function signContext(state: DialogueState, secret: string, now: number): string {
  void state
  void secret
  void now
  throw new Error('not written yet')
}

/**
 * The other way, trusting nothing: `{ ok: true, state, issuedAt }` only for a token this secret
 * signed, else `{ ok: false, reason: 'tampered' }` for any of:
 * - longer than MAX_TOKEN_LENGTH, no `v1.` prefix, not exactly two parts after it;
 * - a signature that is not the exact base64url text of the HMAC (decode it with
 *   decodeBase64urlStrict, compare the bytes with timingSafeEqual: lengths first, it throws
 *   on unequal lengths). Check the signature BEFORE reading the payload;
 * - a payload that is not strict base64url JSON of an object with a number `iat` and a state
 *   readDialogueState accepts (undefined means no clerk would have written it), or step 'none'.
 * A good token older than `ttlMs` (now - iat > ttlMs), or from more than 60 s in the future,
 * is `{ ok: false, reason: 'expired' }`.
 *
 * @example
 *   verifyContext(signContext(state, 's', t), 's', t, 60_000)        // { ok: true, state, issuedAt: t }
 *   verifyContext(signContext(state, 's', t), 'other', t, 60_000)    // { ok: false, reason: 'tampered' }
 *   verifyContext(signContext(state, 's', t), 's', t + 61_000, 60_000) // { ok: false, reason: 'expired' }
 */
export function verifyContext(token: string, secret: string, now: number, ttlMs: number): VerifiedContext {
  void token
  void secret
  void now
  void ttlMs
  void readDialogueState
  throw new Error('not written yet')
}
