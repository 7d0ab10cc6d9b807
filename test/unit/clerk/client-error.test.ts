import { describe, expect, it } from 'vitest'
import { clientErrorResponse, codeFor } from '../../../services/clerk/client-error.js'

describe('the answer to a request the HTTP parser refuses', () => {
  it.each([
    ['HPE_HEADER_OVERFLOW', 'CLERK_ERR_HEADERS_TOO_LARGE'],
    ['ERR_HTTP_REQUEST_TIMEOUT', 'CLERK_ERR_REQUEST_TIMEOUT'],
    ['HPE_INVALID_METHOD', 'CLERK_ERR_BAD_REQUEST'],
    ['HPE_UNEXPECTED_CONTENT_LENGTH', 'CLERK_ERR_BAD_REQUEST'],
    [undefined, 'CLERK_ERR_BAD_REQUEST'],
  ])('maps parser code %s to %s', (parserCode, code) => {
    expect(codeFor(parserCode)).toBe(code)
  })

  // header names in lower case, as every raw answer (services/common/socket-answer.ts)
  it('is a whole HTTP/1.1 response: status line, JSON body of the exact length, X-Clerk, Connection: close', () => {
    const raw = clientErrorResponse('CLERK_ERR_HEADERS_TOO_LARGE', 'clerk-a')
    const [head = '', body = ''] = raw.split('\r\n\r\n')
    const lines = head.split('\r\n')
    expect(lines[0]).toBe('HTTP/1.1 431 Request Header Fields Too Large')
    expect(lines).toContain('x-clerk: clerk-a')
    expect(lines).toContain('connection: close')
    expect(lines).toContain(`content-length: ${Buffer.byteLength(body)}`)
    expect(JSON.parse(body)).toEqual({
      error: 'headers_too_large',
      code: 'CLERK_ERR_HEADERS_TOO_LARGE',
      statusCode: 431,
      message: 'The request headers are larger than this clerk accepts.',
      clerk: 'clerk-a',
    })
  })
})
