import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../../../services/common/free-port.js'
import { spawnService, type SpawnedService } from '../../helpers/spawn-service.js'
import { goodFake, type Fake } from './fake-upstreams.js'
import { rawRequest, type RawAnswer } from './raw-http.js'

// What a customer sending broken or unusual HTTP/1.1 gets from the real proxy process: a JSON
// answer in the registry's shape and a closed connection, never node's bare 400, a silently
// closed socket or a crash. Raw bytes over node:net, since no HTTP client sends these.

let clerk: Fake
let proxy: SpawnedService
let port: number

beforeAll(async () => {
  clerk = await goodFake('good')
  port = await freePort()
  proxy = await spawnService('proxy/main.js', { PROXY_PORT: String(port), PROXY_CLERKS: `good=${clerk.url}` }, `http://127.0.0.1:${port}/_lb/status`)
})
afterAll(async () => {
  await proxy?.stop()
  await clerk?.close()
})

const CRLF = '\r\n'
const head = (lines: string[]) => lines.join(CRLF) + CRLF + CRLF
const ask = '{"product":"laptop"}'

/** the answer is a whole JSON error in the registry's shape, and the connection is closed */
function expectJsonError(answer: RawAnswer, status: number, error: string, code: string): void {
  expect(answer.status).toBe(status)
  expect(answer.headers['content-type']).toMatch(/^application\/json/)
  expect(answer.headers.connection).toBe('close')
  expect(Number(answer.headers['content-length'])).toBe(Buffer.byteLength(answer.body))
  expect(answer.json).toMatchObject({ error, code, statusCode: status })
  expect(typeof answer.json?.message).toBe('string')
}

describe('a request node:http cannot parse', () => {
  it.each([
    ['a Content-Length that is not a number', head(['POST /stateless/ask HTTP/1.1', 'Host: x', 'Content-Length: abc']), 'HPE_INVALID_CONTENT_LENGTH'],
    [
      'Transfer-Encoding and Content-Length together',
      head(['POST /stateless/ask HTTP/1.1', 'Host: x', 'Content-Length: 5', 'Transfer-Encoding: chunked']) + '0\r\n\r\n',
      'HPE_INVALID_TRANSFER_ENCODING',
    ],
    ['two Content-Lengths', head(['POST /stateless/ask HTTP/1.1', 'Host: x', 'Content-Length: 3', 'Content-Length: 4']) + 'abcd', 'HPE_UNEXPECTED_CONTENT_LENGTH'],
    ['a chunk size that is not hexadecimal', head(['POST /stateless/ask HTTP/1.1', 'Host: x', 'Transfer-Encoding: chunked']) + 'zz\r\nabc\r\n0\r\n\r\n', 'HPE_INVALID_CHUNK_SIZE'],
    ['an unknown method', head(['FROB /stateless/ask HTTP/1.1', 'Host: x']), 'HPE_INVALID_METHOD'],
    ['HTTP/9.9', head(['GET /orders HTTP/9.9', 'Host: x']), 'HPE_INVALID_VERSION'],
    ['a space in the path', head(['GET /orders/a b HTTP/1.1', 'Host: x']), 'HPE_INVALID_CONSTANT'],
    ['the HTTP/2 preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'HPE_PAUSED_H2_UPGRADE'],
  ])('answers 400 bad_request naming the problem: %s', async (_what, bytes, parserCode) => {
    const answer = await rawRequest(port, bytes)
    expectJsonError(answer, 400, 'bad_request', 'PROXY_ERR_BAD_REQUEST')
    expect(String(answer.json?.message)).toMatch(/^The request is not valid HTTP\/1\.1: /)
    expect(String(answer.json?.message)).toContain(parserCode)
  })

  it.each([
    ['one header of 17 KiB', head(['GET /orders HTTP/1.1', 'Host: x', `X-Big: ${'a'.repeat(17 * 1024)}`])],
    ['3000 headers', head(['GET /orders HTTP/1.1', 'Host: x', ...Array.from({ length: 3000 }, (_, i) => `X-H${i}: v`)])],
  ])('answers 431 headers_too_large for %s', async (_what, bytes) => {
    expectJsonError(await rawRequest(port, bytes), 431, 'headers_too_large', 'PROXY_ERR_HEADERS_TOO_LARGE')
  })
})

describe('HTTP/1.1 features the proxy does not serve', () => {
  it('answers CONNECT with 400 instead of closing the socket', async () => {
    const answer = await rawRequest(port, head(['CONNECT example.com:443 HTTP/1.1', 'Host: example.com:443']))
    expectJsonError(answer, 400, 'bad_request', 'PROXY_ERR_BAD_REQUEST')
    expect(String(answer.json?.message)).toMatch(/does not forward CONNECT/)
  })

  it.each([
    ['Connection: Upgrade', ['Connection: Upgrade', 'Upgrade: websocket']],
    ['an Upgrade header alone', ['Upgrade: websocket']],
  ])('answers a protocol upgrade with 400 (%s)', async (_what, lines) => {
    const answer = await rawRequest(port, head(['GET /stateless/ask HTTP/1.1', 'Host: x', ...lines]))
    expectJsonError(answer, 400, 'bad_request', 'PROXY_ERR_BAD_REQUEST')
    expect(String(answer.json?.message)).toMatch(/does not forward protocol upgrades/)
  })

  it('answers an Expect it cannot meet with 417 expectation_failed', async () => {
    const answer = await rawRequest(port, head(['POST /stateless/ask HTTP/1.1', 'Host: x', 'Expect: foo', `Content-Length: ${ask.length}`]) + ask)
    expectJsonError(answer, 417, 'expectation_failed', 'PROXY_ERR_EXPECTATION_FAILED')
  })

  it('answers an HTTP/1.1 request without Host with 400, and lets HTTP/1.0 omit it', async () => {
    const answer = await rawRequest(port, head(['GET /orders HTTP/1.1']))
    expectJsonError(answer, 400, 'bad_request', 'PROXY_ERR_BAD_REQUEST')
    expect(String(answer.json?.message)).toMatch(/Host/)
    const old = await rawRequest(port, head(['GET /orders HTTP/1.0']))
    expect(old.status).toBe(200)
    expect(old.json).toMatchObject({ clerk: 'good' })
  })
})

describe('Expect: 100-continue', () => {
  it('refuses a body announced over the 1 MiB cap with 413 at once, without 100 Continue', async () => {
    const answer = await rawRequest(
      port,
      head(['POST /stateless/ask HTTP/1.1', 'Host: x', 'Content-Type: application/json', `Content-Length: ${2 * 1024 * 1024}`, 'Expect: 100-continue']),
    )
    expect(answer.interim).toEqual([])
    expectJsonError(answer, 413, 'body_too_large', 'PROXY_ERR_BODY_TOO_LARGE')
  })

  it("sends 100 Continue for a body under the cap, then the clerk's answer", async () => {
    const answer = await rawRequest(
      port,
      head(['POST /stateless/ask HTTP/1.1', 'Host: x', 'Content-Type: application/json', `Content-Length: ${ask.length}`, 'Expect: 100-continue', 'Connection: close']),
      { bodyAfterContinue: ask },
    )
    expect(answer.interim).toEqual([100])
    expect(answer.status).toBe(200)
    expect(answer.json).toMatchObject({ clerk: 'good', path: '/stateless/ask', got: ask })
  })
})

describe('after all of that', () => {
  const requests = async () => {
    const res = await fetch(`http://127.0.0.1:${port}/_lb/status`, { signal: AbortSignal.timeout(10_000) })
    expect(res.status).toBe(200)
    return ((await res.json()) as { counters: { requests: number } }).counters.requests
  }

  it('still serves, and counts a refused request like any answer without a clerk', async () => {
    const before = await requests()
    await rawRequest(port, head(['FROB /orders HTTP/1.1', 'Host: x']))
    expect(await requests()).toBe(before + 1)
    expect(proxy.exited()).toBe(false)
  })
})
