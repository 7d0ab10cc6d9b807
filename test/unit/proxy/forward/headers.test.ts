import { describe, expect, it } from 'vitest'
import { connectionOptions, requestHeadersForClerk, responseHeadersForCustomer } from '../../../../proxy/forward/headers.js'

describe('the hop-by-hop rule (RFC 9110 §7.6.1) on header strings', () => {
  it('reads the names a Connection line lists, but close and keep-alive', () => {
    expect(connectionOptions(['Connection', 'keep-alive'])).toBeUndefined()
    expect(connectionOptions(['Connection', 'Close, X-Secret', 'connection', ' x-other ,'])).toEqual(new Set(['x-secret', 'x-other']))
  })

  it('drops them from a request for a clerk, with the fixed hop-by-hop list, and joins X-Forwarded-For', () => {
    const out = requestHeadersForClerk(['Host', 't', 'Connection', 'x-secret', 'X-Secret', '1', 'TE', 'trailers', 'X-Forwarded-For', '10.0.0.1', 'X-Kept', 'yes'], 2, '127.0.0.1')
    expect(out).toEqual(['Host', 't', 'X-Kept', 'yes', 'x-forwarded-for', '10.0.0.1, 127.0.0.1', 'content-length', '2'])
  })

  it('drops them from an answer for a customer', () => {
    expect(responseHeadersForCustomer(['content-type', 'text/plain', 'Connection', 'keep-alive, x-hop', 'X-Hop', 'a', 'x-kept', 'b'])).toEqual([
      'content-type',
      'text/plain',
      'x-kept',
      'b',
    ])
  })
})
