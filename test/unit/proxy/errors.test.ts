import { describe, expect, it } from 'vitest'
import { ProxyErrors, errorBody } from '../../../proxy/errors.js'

describe('the proxy error registry', () => {
  // each code is the key it is filed under, with a name and a status: test/unit/common/error-registry.test.ts
  it.each([
    ['PROXY_ERR_BAD_GATEWAY', 502, 'bad_gateway'],
    ['PROXY_ERR_GATEWAY_TIMEOUT', 504, 'gateway_timeout'],
    ['PROXY_ERR_NO_UPSTREAM', 503, 'no_upstream'],
    ['PROXY_ERR_OVERLOADED', 503, 'overloaded'],
    ['PROXY_ERR_BODY_TOO_LARGE', 413, 'body_too_large'],
    ['PROXY_ERR_NOT_FOUND', 404, 'not_found'],
    ['PROXY_ERR_UNAUTHORIZED', 401, 'unauthorized'],
    ['PROXY_ERR_CROSS_SITE', 403, 'cross_site_request'],
    ['PROXY_ERR_BAD_REQUEST', 400, 'bad_request'],
    ['PROXY_ERR_METHOD_NOT_ALLOWED', 405, 'method_not_allowed'],
    ['PROXY_ERR_REQUEST_TIMEOUT', 408, 'request_timeout'],
    ['PROXY_ERR_EXPECTATION_FAILED', 417, 'expectation_failed'],
    ['PROXY_ERR_HEADERS_TOO_LARGE', 431, 'headers_too_large'],
    ['PROXY_ERR_INTERNAL', 500, 'internal_error'],
  ] as const)('%s answers %i %s as in the contract', (code, status, name) => {
    const body = errorBody(new ProxyErrors[code]('because'))
    expect(body).toMatchObject({ error: name, code, statusCode: status })
    expect(body.message.length).toBeGreaterThan(3)
  })
})
