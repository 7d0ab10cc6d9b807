import { describe, expect, it } from 'vitest'
import { decodeBase64urlStrict, signContext, verifyContext } from '../../../services/clerk/context-token.js'
import type { DialogueState } from '../../../services/clerk/dialogue.js'

const secret = 's'.repeat(32)
const state: DialogueState = { step: 'buy', dialogueId: 'd-1', productId: 'laptop', quantity: 2 }
const TTL = 30 * 60_000 // 30 min

describe('the stateless context token', () => {
  it('gives back the state it was signed with', () => {
    const token = signContext(state, secret, 1_000)
    expect(verifyContext(token, secret, 2_000, TTL)).toEqual({ ok: true, state, issuedAt: 1_000 })
  })

  it('is refused as tampered when one character of the payload changes', () => {
    const token = signContext(state, secret, 1_000)
    const payloadStart = 3
    const flipped = token.slice(0, payloadStart) + (token[payloadStart] === 'A' ? 'B' : 'A') + token.slice(payloadStart + 1)
    expect(verifyContext(flipped, secret, 2_000, TTL)).toEqual({ ok: false, reason: 'tampered' })
  })

  it('is refused as tampered when a client rewrites the quantity and keeps the signature', () => {
    const token = signContext(state, secret, 1_000)
    const [, , signature] = token.split('.')
    const forged = Buffer.from(JSON.stringify({ ...state, quantity: 1, iat: 1_000 })).toString('base64url')
    expect(verifyContext(`v1.${forged}.${signature}`, secret, 2_000, TTL)).toEqual({ ok: false, reason: 'tampered' })
  })

  it('is refused as tampered when signed with another secret', () => {
    const token = signContext(state, 'o'.repeat(32), 1_000)
    expect(verifyContext(token, secret, 2_000, TTL).ok).toBe(false)
  })

  it.each([
    ['quantity -5', { ...state, quantity: -5 }],
    ['quantity 100000', { ...state, quantity: 100_000 }],
    ['a product we do not sell', { ...state, productId: 'tablet' }],
  ])('is refused as tampered when signed with the secret but carrying %s', (_name, forged) => {
    const token = signContext(forged, secret, 1_000)
    expect(verifyContext(token, secret, 2_000, TTL)).toEqual({ ok: false, reason: 'tampered' })
  })

  it('is refused as expired after its lifetime', () => {
    const token = signContext(state, secret, 1_000)
    expect(verifyContext(token, secret, 1_000 + TTL + 1, TTL)).toEqual({ ok: false, reason: 'expired' })
  })

  it.each(['', 'v1.', 'v1..', 'garbage', 'v2.abc.def', `v1.${'a'.repeat(5000)}.x`])('is refused for %j', (token) => {
    expect(verifyContext(token, secret, 0, TTL)).toEqual({ ok: false, reason: 'tampered' })
  })
})

describe('strict base64url', () => {
  it.each([
    ['', []],
    ['AQI', [1, 2]],
    ['AQID', [1, 2, 3]],
    ['_-8', [0xff, 0xef]],
  ])('decodes %j', (text, bytes) => {
    expect([...(decodeBase64urlStrict(text) ?? [0xdead])]).toEqual(bytes)
  })

  it.each(['AQI=', 'AQ==', 'AQI!', 'AQ I', 'AQ+/', 'A', 'AQIDB', 'AQJ', '.AQI', 'AQI\n'])('refuses %j', (text) => {
    expect(decodeBase64urlStrict(text)).toBeUndefined()
  })
})
