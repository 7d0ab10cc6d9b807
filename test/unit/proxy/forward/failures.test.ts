import { describe, expect, it } from 'vitest'
import { decideRetry } from '../../../../proxy/forward/retry-rules.js'
import { classifyFailure, failureToError, isClosingRefusal } from '../../../../proxy/forward/failures.js'

const err = (code: string) => Object.assign(new Error(code), { code })

describe('mapping upstream errors (the one place)', () => {
  it.each([
    // code, written, kind, may have been sent, status
    ['ECONNREFUSED', false, 'refused', false, 503],
    ['UND_ERR_CONNECT_TIMEOUT', false, 'connect_timeout', false, 504],
    ['PROXY_CONNECT_TIMEOUT', false, 'connect_timeout', false, 504],
    ['ECONNRESET', false, 'reset_before_send', false, 502],
    ['ECONNRESET', true, 'reset', true, 502],
    ['UND_ERR_SOCKET', true, 'reset', true, 502],
    ['UND_ERR_HEADERS_TIMEOUT', true, 'timeout', true, 504],
    ['UND_ERR_BODY_TIMEOUT', true, 'timeout', true, 504],
    ['PROXY_UPSTREAM_TIMEOUT', true, 'timeout', true, 504],
    ['HPE_INVALID_CONSTANT', true, 'bad_response', true, 502],
    ['PROXY_RESPONSE_TOO_LARGE', true, 'response_too_large', true, 502],
  ] as const)('%s (written: %s) is a %s', (code, written, kind, mayHaveBeenSent, status) => {
    const failure = classifyFailure(err(code), written, 'clerk-a')
    expect(failure).toMatchObject({ kind, mayHaveBeenSent, code })
    expect(failure.reason).toContain('clerk-a')
    expect(failureToError(failure).statusCode).toBe(status)
  })

  it('looks through undici socket errors to their cause', () => {
    const wrapped = Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET', cause: { code: 'ECONNRESET' } })
    expect(classifyFailure(wrapped, true, 'b').code).toBe('ECONNRESET')
  })

  it('calls an answer that is not HTTP a bad response with either engine (undici leaves its code out)', () => {
    const undiciParserError = Object.assign(new Error('Response does not match the HTTP/1.1 protocol'), { name: 'HTTPParserError', code: undefined })
    expect(classifyFailure(undiciParserError, true, 'b')).toMatchObject({ kind: 'bad_response', code: 'HPE_INVALID_CONSTANT' })
  })
})

describe('a request the engine refuses to send as it was written', () => {
  it.each([
    // undici: two Host lines, a header it will not write, Expect; node:http (the http-proxy engine)
    ['UND_ERR_INVALID_ARG', 'duplicate host header'],
    ['UND_ERR_NOT_SUPPORTED', 'expect header not supported'],
    ['ERR_INVALID_ARG_TYPE', 'The "options.headers.host" property must be of type string. Received an instance of Array'],
    ['ERR_INVALID_CHAR', 'Invalid character in header content ["x-a"]'],
    ['ERR_INVALID_HTTP_TOKEN', 'Header name must be a valid HTTP token ["x a"]'],
    ['ERR_UNESCAPED_CHARACTERS', 'Request path contains unescaped characters'],
  ])("%s is the customer's fault: never sent, never retried, a 400 in plain words", (code, message) => {
    const failure = classifyFailure(Object.assign(new Error(message), { code }), false, 'clerk-a')
    expect(failure).toMatchObject({ kind: 'unforwardable', mayHaveBeenSent: false, code })
    expect(failure.reason).not.toContain('clerk-a')
    expect(decideRetry({ attempt: 1, failure, method: 'GET', hasIdempotencyKey: true }).retry).toBe(false)
    const error = failureToError(failure)
    expect(error).toMatchObject({ code: 'PROXY_ERR_BAD_REQUEST', statusCode: 400 })
    expect(error.message).toMatch(/^The proxy cannot forward this request as it was sent: /)
    expect(error.message).not.toMatch(/UND_ERR|ERR_|options\.headers/)
  })

  it("keeps undici's own plain words", () => {
    const failure = classifyFailure(Object.assign(new Error('duplicate host header'), { code: 'UND_ERR_INVALID_ARG' }), false, 'clerk-a')
    expect(failure.reason).toBe('the proxy cannot forward this request as it was sent: duplicate host header')
  })
})

describe('a clerk turning a request away while it shuts down', () => {
  it('is a 503 with Connection: close, and counts as never sent', () => {
    expect(isClosingRefusal(503, ['Content-Type', 'application/json', 'Connection', 'close'], 'clerk-a')).toMatchObject({ kind: 'closing', mayHaveBeenSent: false })
  })
  it.each([
    [503, ['connection', 'keep-alive']],
    [503, []],
    [500, ['connection', 'close']],
  ])('is not any other answer (%i %j)', (status, headers) => {
    expect(isClosingRefusal(status, headers, 'clerk-a')).toBeUndefined()
  })
})
