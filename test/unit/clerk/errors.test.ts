import { describe, expect, it } from 'vitest'
import { clerkError, errors, type ClerkErrorCode } from '../../../services/clerk/errors.js'

describe('the error registry', () => {
  // each code is the key it is filed under, with a name and a status: test/unit/common/error-registry.test.ts
  it('has a whole sentence for every code', () => {
    for (const key of Object.keys(errors) as ClerkErrorCode[]) {
      expect(new errors[key]().message.length).toBeGreaterThan(10)
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
