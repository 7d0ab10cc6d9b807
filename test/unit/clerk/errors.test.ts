import { describe, expect, it } from 'vitest'
import { clerkError, errorNames, errors, type ClerkErrorCode } from '../../../services/clerk/errors.js'

describe('the error registry', () => {
  it('gives each error the code it is filed under', () => {
    for (const [key, Ctor] of Object.entries(errors)) {
      expect(new Ctor().code).toBe(key)
    }
  })

  it('has a short name, a sentence and a 4xx/5xx status for every code', () => {
    for (const key of Object.keys(errors) as ClerkErrorCode[]) {
      const err = new errors[key]()
      expect(errorNames[key]).toMatch(/^[a-z_]+$/)
      expect(err.message.length).toBeGreaterThan(10)
      expect(err.statusCode).toBeGreaterThanOrEqual(400)
    }
  })

  it('keeps the statuses of the contract', () => {
    const status = (code: ClerkErrorCode) => new errors[code]().statusCode
    expect(status('CLERK_ERR_CONTEXT_LOST')).toBe(409)
    expect(status('CLERK_ERR_BODY_TOO_LARGE')).toBe(400)
    expect(status('CLERK_ERR_UNSUPPORTED_MEDIA_TYPE')).toBe(415)
    expect(status('CLERK_ERR_CONTEXT_TAMPERED')).toBe(401)
    expect(status('CLERK_ERR_REDIS_UNAVAILABLE')).toBe(503)
    expect(status('CLERK_ERR_BAD_REQUEST')).toBe(400)
    expect(status('CLERK_ERR_HEADERS_TOO_LARGE')).toBe(431)
    expect(status('CLERK_ERR_REQUEST_TIMEOUT')).toBe(408)
    expect(status('CLERK_ERR_ALREADY_PAID')).toBe(409)
    expect(status('CLERK_ERR_IDEMPOTENCY_KEY_REUSED')).toBe(422)
  })

  it('carries a custom sentence and details', () => {
    const err = clerkError('CLERK_ERR_CONTEXT_LOST', { message: 'gone', say: '2 of what?', reason: 'no_session' })
    expect(err.message).toBe('gone')
    expect(err.details).toEqual({ say: '2 of what?', reason: 'no_session' })
  })
})
