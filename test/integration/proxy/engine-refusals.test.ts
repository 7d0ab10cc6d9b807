import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ForwardEngine } from '../../../proxy/forward/engines/engine.js'
import { createHttpProxyEngine } from '../../../proxy/forward/engines/http-proxy-engine.js'
import { requestHeadersForClerk } from '../../../proxy/forward/headers.js'
import { createUndiciEngine } from '../../../proxy/forward/engines/undici-engine.js'
import { createNetEngine } from '../../../proxy/forward/engines/net-engine.js'
import { classifyFailure, failureToError } from '../../../proxy/forward/failures.js'
import { goodFake, type Fake } from './fake-upstreams.js'

// Every request-argument error either engine raises before a byte is sent must be classified as
// the customer's fault ('unforwardable': a 400, no retry, nothing counted against the clerk). The
// HTTP front refuses the one such request node's parser lets through (two Host lines) before it
// reaches an engine; this test hands the engines the requests themselves, so the classification
// is proven for whatever a future parser or engine lets through. Real engines, real sockets: a
// small front server calls the engine from its request handler, as the proxy's forwarder does,
// with the customer's headers cleaned as the forwarder cleans them (forward/headers.ts).

const CONNECTIONS = 4
const ENGINE_OPTIONS = { upstreamTimeoutMs: 5_000, connectTimeoutMs: 1_000, connectionsPerClerk: CONNECTIONS, keepAliveIdleMs: 5_000, responseCapBytes: 1024 * 1024 }

type Outcome = { answered: number } | { failed: unknown; written: boolean }

let clerk: Fake
let front: Server
let frontPort: number
/** what the next request to the front forwards, and where its outcome goes */
let pending: { engine: ForwardEngine; path: string; headers: string[]; resolve: (o: Outcome) => void } | undefined

beforeAll(async () => {
  clerk = await goodFake('clerk-a')
  front = createServer((req: IncomingMessage, res: ServerResponse) => {
    const job = pending!
    pending = undefined
    const headers = requestHeadersForClerk(job.headers, 0, req.socket.remoteAddress)
    job.engine.forward(
      { id: 'clerk-a', url: new URL(clerk.url) },
      { method: 'GET', path: job.path, headers, body: undefined },
      {
        onResponse: (status) => {
          job.resolve({ answered: status })
          res.end()
        },
        onError: (err, written) => {
          job.resolve({ failed: err, written })
          res.end()
        },
      },
    )
  })
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve))
  frontPort = (front.address() as AddressInfo).port
})
afterAll(async () => {
  await new Promise((resolve) => front?.close(resolve))
  await clerk?.close()
})

function forwardThrough(engine: ForwardEngine, path: string, headers: string[]): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    pending = { engine, path, headers, resolve }
    fetch(`http://127.0.0.1:${frontPort}/`, { signal: AbortSignal.timeout(10_000) }).then((r) => r.arrayBuffer(), reject)
  })
}

const CASES: Array<[string, string, string[]]> = [
  ['two Host lines', '/orders', ['host', 'a', 'host', 'b']],
  ['a control byte in a header value', '/orders', ['x-note', 'a\u0001b']],
  ['a DEL in a header value', '/orders', ['x-note', 'a\u007fb']],
  ['a header name with a space', '/orders', ['x note', 'v']],
  ['an empty header name', '/orders', ['', 'v']],
  ['a path with a space', '/orders/a b', []],
  ['a path without a leading slash', 'orders', []],
  ['a path with a character above latin1', '/orders/\u0100', []],
  ['Transfer-Encoding', '/orders', ['transfer-encoding', 'chunked']],
  ['Keep-Alive', '/orders', ['keep-alive', 'timeout=5']],
  ['Upgrade', '/orders', ['upgrade', 'websocket']],
  ['Expect', '/orders', ['expect', '100-continue']],
  ['a Connection list with a non-token', '/orders', ['connection', 'close, a b']],
  ['two Content-Lengths', '/orders', ['content-length', '0', 'content-length', '0']],
]

describe.each([
  ['undici', () => createUndiciEngine(ENGINE_OPTIONS)],
  ['http-proxy', () => createHttpProxyEngine(ENGINE_OPTIONS)],
  ['net', () => createNetEngine(ENGINE_OPTIONS)],
])('the %s engine', (_name, make) => {
  let engine: ForwardEngine
  beforeAll(() => {
    engine = make()
  })
  afterAll(async () => {
    await engine.close()
  })

  it.each(CASES)("%s: answered by the clerk, or refused as the customer's fault before a byte was sent", async (_what, path, headers) => {
    const seenBefore = clerk.seen.length
    const outcome = await forwardThrough(engine, path, headers)
    if ('answered' in outcome) return // this engine writes it, and the clerk answered
    const failure = classifyFailure(outcome.failed, outcome.written, 'clerk-a')
    expect(failure).toMatchObject({ kind: 'unforwardable', mayHaveBeenSent: false })
    expect(clerk.seen.length).toBe(seenBefore)
    const error = failureToError(failure)
    expect(error).toMatchObject({ code: 'PROXY_ERR_BAD_REQUEST', statusCode: 400 })
    expect(error.message).not.toMatch(/UND_ERR|ERR_/)
  })

  it('refuses two Host lines (the finding) rather than sending either', async () => {
    const outcome = await forwardThrough(engine, '/orders', ['host', 'a', 'host', 'b'])
    expect('failed' in outcome).toBe(true)
  })

  it('still forwards to the clerk after more refused requests than it has connections', async () => {
    // undici's Pool sets aside the connection that refused a request's arguments, for good
    for (let i = 0; i < CONNECTIONS * 3; i++) await forwardThrough(engine, '/orders', ['host', 'a', 'host', 'b'])
    expect(await forwardThrough(engine, '/orders', ['host', 'a'])).toEqual({ answered: 200 })
  })
})
