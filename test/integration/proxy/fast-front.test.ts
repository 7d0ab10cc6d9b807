import { connect, createServer, type Server, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildProxy, type Proxy } from '../../../proxy/build-proxy.js'
import { buildOptions, parseClerks, type EngineName, type ProxyOptions } from '../../../proxy/options.js'
import { waitFor } from '../../../services/common/wait-for.js'
import { httpFake, type Fake } from './fake-upstreams.js'
import { openRaw, rawRequest, type RawConnection } from './raw-http.js'

// The fast path (PROXY_ENGINE=fast, proxy/fast/) on its own: the dialogue routes read and
// forwarded on byte ranges, everything else handed to the node:http front on the same connection,
// answers in order, and every refusal the same status and JSON as the node:http front's (the same
// bytes sent to a proxy with PROXY_ENGINE=net, node:http in front of the same engine family).
// Real sockets, a fake clerk that echoes what it got.

let clerk: Fake
const started: Proxy[] = []

async function start(engine: EngineName, extra: Partial<ProxyOptions> = {}, clerks = `clerk-a=${clerk.url}`): Promise<number> {
  const proxy = buildProxy(
    buildOptions({
      port: 0,
      clerks: parseClerks(clerks),
      engine,
      upstreamTimeoutMs: 2_000,
      healthIntervalMs: 60_000, // one check at start
      ...extra,
    }),
  )
  started.push(proxy)
  return proxy.listen()
}

let port: number
let httpPort: number

beforeAll(async () => {
  clerk = await httpFake('clerk-a', (req, res, body) => {
    if (req.url === '/stateless/stream') {
      res.writeHead(200, { 'content-type': 'text/event-stream' })
      res.write('data: one\n\n')
      setTimeout(() => res.end('data: two\n\n'), 20)
      return
    }
    if (req.url === '/stateless/headers') {
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify(req.rawHeaders))
      return
    }
    res.setHeader('content-type', 'text/plain')
    res.end(`${req.method} ${req.url} xff=${String(req.headers['x-forwarded-for'])} ${body}`)
  })
  port = await start('fast')
  httpPort = await start('net')
})

afterAll(async () => {
  for (const proxy of started) await proxy.close(500)
  await clerk?.close()
})

/** writes `bytes` on one connection and reads until the proxy closes it */
function converse(to: number, bytes: string | string[], { timeoutMs = 10_000 } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts = Array.isArray(bytes) ? bytes : [bytes]
    const socket = connect(to, '127.0.0.1', () => {
      // each part in its own write, a turn of the event loop apart: a request split across reads
      const next = (i: number): void => {
        if (i === parts.length) return
        socket.write(parts[i] as string, 'latin1')
        setTimeout(() => next(i + 1), 10)
      }
      next(0)
    })
    let raw = ''
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`no close within ${timeoutMs} ms; got ${JSON.stringify(raw.slice(0, 500))}`))
    }, timeoutMs)
    socket.on('data', (c: Buffer) => (raw += c.toString('latin1')))
    socket.on('error', () => {})
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(raw)
    })
  })
}

/** the status lines and bodies of a conversation, without the headers that differ by the second */
function statusesAndBodies(raw: string): string[] {
  return raw
    .split(/HTTP\/1\.1 /)
    .filter((part) => part !== '')
    .map((part) => `${part.slice(0, 3)} ${part.slice(part.indexOf('\r\n\r\n') + 4)}`)
}

describe('the fast path', () => {
  it('forwards a POST to a dialogue route with its body and X-Forwarded-For', async () => {
    const answer = await rawRequest(port, 'POST /stateless/ask HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello')
    expect(answer.status).toBe(200)
    expect(answer.body).toBe('POST /stateless/ask xff=127.0.0.1 hello')
    expect(answer.headers.connection).toBe('close')
    expect(answer.headers.date).toBeDefined()
  })

  it('rewrites the head as the node:http front does: hop-by-hop lines and those Connection names dropped, X-Forwarded-For joined, its own deadline', async () => {
    const bytes =
      'POST /stateless/headers HTTP/1.1\r\nHost: t\r\nConnection: close, x-secret\r\nX-Secret: 1\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\n' +
      'Proxy-Authorization: Basic eA==\r\nX-Forwarded-For: 10.0.0.1\r\nX-Request-Deadline: 1\r\nX-Forwarded-For: 10.0.0.2\r\nX-Kept: yes\r\nContent-Length: 2\r\n\r\nhi'
    const [ours, theirs] = await Promise.all([rawRequest(port, bytes), rawRequest(httpPort, bytes)])
    const headers = (answer: typeof ours) => {
      const flat = JSON.parse(answer.body) as string[]
      const out = new Map<string, string>()
      for (let i = 0; i < flat.length; i += 2) out.set((flat[i] as string).toLowerCase(), flat[i + 1] as string)
      return out
    }
    for (const seen of [headers(ours), headers(theirs)]) {
      expect(seen.get('x-forwarded-for')).toBe('10.0.0.1, 10.0.0.2, 127.0.0.1')
      expect(seen.get('x-kept')).toBe('yes')
      expect(Number(seen.get('x-request-deadline'))).toBeGreaterThan(Date.now() - 60_000)
      for (const gone of ['x-secret', 'keep-alive', 'te', 'proxy-authorization']) expect(seen.has(gone)).toBe(false)
    }
  })

  it('answers pipelined requests in order, and hands an admin request after them to node:http', async () => {
    const raw = await converse(
      port,
      'POST /stateless/ask HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n\r\na' +
        'POST /stateful/ask HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nb\r\n0\r\n\r\n' +
        'GET /_lb/status HTTP/1.1\r\nHost: t\r\n\r\n' +
        'POST /shared/ask HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nConnection: close\r\n\r\nc',
    )
    const answers = statusesAndBodies(raw)
    expect(answers).toHaveLength(4)
    expect(answers[0]).toBe('200 POST /stateless/ask xff=127.0.0.1 a')
    expect(answers[1]).toBe('200 POST /stateful/ask xff=127.0.0.1 b')
    expect(answers[2]).toMatch(/^200 \{"engine":"fast"/)
    expect(answers[3]).toBe('200 POST /shared/ask xff=127.0.0.1 c')
    // the stateful route's policy pins the customer with the sticky cookie, as on the http front
    expect(raw).toMatch(/set-cookie: lb_clerk=/i)
  })

  it('reads a request whose head and body come in pieces', async () => {
    const raw = await converse(port, ['POST /stateless/ask HT', 'TP/1.1\r\nHost: t\r\nContent-Le', 'ngth: 6\r\nConnection: close\r\n\r\nab', 'cd', 'ef'])
    expect(statusesAndBodies(raw)).toEqual(['200 POST /stateless/ask xff=127.0.0.1 abcdef'])
  })

  it('reads nothing after a request that said Connection: close', async () => {
    const raw = await converse(
      port,
      'POST /stateless/ask HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nConnection: close\r\n\r\na' +
        'POST /stateless/after-close HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n\r\nb',
    )
    expect(statusesAndBodies(raw)).toEqual(['200 POST /stateless/ask xff=127.0.0.1 a'])
    expect(clerk.seen.filter((s) => s.includes('/stateless/after-close'))).toEqual([])
  })

  it('passes an event stream through as it comes, chunked', async () => {
    const raw = await converse(port, 'GET /stateless/stream HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n')
    expect(raw).toMatch(/^HTTP\/1\.1 200 OK\r\n/)
    expect(raw).toContain('transfer-encoding: chunked')
    expect(raw).toContain('b\r\ndata: one\n\n\r\nb\r\ndata: two\n\n\r\n0\r\n\r\n') // 11 bytes each
  })

  // each: the same bytes through both fronts; the same statuses and JSON bodies back
  it.each([
    ['a Content-Length that is not a number', 'POST /stateless/ask HTTP/1.1\r\nHost: t\r\nContent-Length: abc\r\n\r\n'],
    ['CL and TE together', 'POST /stateless/ask HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
    ['a bad chunk size in the body', 'POST /stateless/ask HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n'],
    ['headers over 16 KiB', `GET /stateless/ask HTTP/1.1\r\nHost: t\r\nX-Big: ${'a'.repeat(17 * 1024)}\r\n\r\n`],
    ['no Host on HTTP/1.1', 'GET /stateless/ask HTTP/1.1\r\nConnection: close\r\n\r\n'],
    ['two Host lines', 'GET /stateless/ask HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'],
    ['a cross-site POST', 'POST /stateless/ask HTTP/1.1\r\nHost: t\r\nSec-Fetch-Site: cross-site\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'],
    ['a cross-origin POST', 'POST /stateless/ask HTTP/1.1\r\nHost: t\r\nOrigin: http://elsewhere.example\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'],
    ['an Upgrade', 'GET /stateless/ask HTTP/1.1\r\nHost: t\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n'],
    ['an Upgrade header alone', 'GET /stateless/ask HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\n\r\n'],
    ['CONNECT', 'CONNECT t:443 HTTP/1.1\r\nHost: t:443\r\n\r\n'],
    ['an Expect it does not meet', 'POST /stateless/ask HTTP/1.1\r\nHost: t\r\nExpect: something\r\nContent-Length: 1\r\n\r\nx'],
    ['a body over the cap', `POST /stateless/ask HTTP/1.1\r\nHost: t\r\nContent-Length: ${2 * 1024 * 1024}\r\nConnection: close\r\n\r\n`],
    ['an unknown path', 'GET /nowhere HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n'],
    ['a dashboard file', 'GET /dashboard/nothing-here.js HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n'],
    ['HTTP/1.0 without Host', 'POST /stateless/ask HTTP/1.0\r\nContent-Length: 2\r\n\r\nhi'],
    ['HEAD', 'HEAD /stateless/ask HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n'],
    ['garbage', 'GARBAGE\r\n\r\n'],
  ])('refuses or answers %s as the node:http front does', async (_name, bytes) => {
    const [ours, theirs] = await Promise.all([converse(port, bytes), converse(httpPort, bytes)])
    expect(statusesAndBodies(ours)).toEqual(statusesAndBodies(theirs))
    expect(statusesAndBodies(ours).length).toBeGreaterThan(0)
  })

  it('answers a connection over PROXY_CLIENT_CONNECTIONS 503 overloaded, and closes it', async () => {
    const capped = await start('fast', { clientConnections: 1 })
    const first = await openRaw(capped)
    try {
      await waitFor(() => started.at(-1)?.state.status().limits !== undefined, { timeoutMs: 5_000, what: 'the proxy' })
      // a request pipelined after the refused one is not read either
      const answer = await rawRequest(
        capped,
        'POST /stateless/ask HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n\r\nx' + 'POST /stateless/over-cap HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\n\r\ny',
      )
      expect(answer.status).toBe(503)
      expect(answer.json?.error).toBe('overloaded')
      expect(answer.headers['retry-after']).toBe('1')
      expect(answer.headers.connection).toBe('close')
      expect(answer.raw.match(/HTTP\/1\.1 /g)).toHaveLength(1)
      expect(clerk.seen.filter((s) => s.includes('/stateless/over-cap'))).toEqual([])
    } finally {
      first.destroy()
    }
  })

  it('answers 408 to a request that does not arrive within PROXY_REQUEST_TIMEOUT_MS', async () => {
    const slow = await start('fast', { requestTimeoutMs: 300 })
    const answer = await rawRequest(slow, 'POST /stateless/ask HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nhal')
    expect(answer.status).toBe(408)
    expect(answer.json?.code).toBe('PROXY_ERR_REQUEST_TIMEOUT')
  })

  it('takes one round-robin turn per request, whichever front its connection is on', async () => {
    // a client's pool may hold a connection handed to node:http (its first request was an admin
    // one) next to one the fast path serves; both share the balancer's turns
    const two = await Promise.all(['x', 'y'].map((id) => httpFake(id, (_req, res) => res.end(id))))
    const rr = await start('fast', {}, `x=${two[0]?.url},y=${two[1]?.url}`)
    try {
      const handed = await openRaw(rr)
      const ours = await openRaw(rr)
      const answered = async (c: RawConnection, n: number) => waitFor(() => (c.received().match(/HTTP\/1\.1 /g) ?? []).length >= n, { timeoutMs: 5_000, what: `answer ${n}` })
      handed.write('GET /_lb/status HTTP/1.1\r\nHost: t\r\n\r\n')
      await answered(handed, 1)
      const ask = 'POST /stateless/ask HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n'
      for (let i = 0; i < 2; i++) {
        handed.write(ask)
        await answered(handed, 2 + i)
        ours.write(ask)
        await answered(ours, 1 + i)
      }
      // the clerk of each answer, in the order the requests were sent: x y x y
      const bodies = (c: RawConnection) =>
        c
          .received()
          .split('HTTP/1.1 ')
          .slice(1)
          .map((a) => a.slice(a.indexOf('\r\n\r\n') + 4))
      const [h, o] = [bodies(handed).slice(1), bodies(ours)]
      expect([h[0], o[0], h[1], o[1]]).toEqual(['x', 'y', 'x', 'y'])
      handed.destroy()
      ours.destroy()
    } finally {
      for (const f of two) await f.close()
    }
  })
})

describe("the fast path's answers from a clerk that frames them its own way", () => {
  let server: Server
  let raw: number
  const sockets = new Set<Socket>()
  /** a body over the 64 KiB a read takes */
  const BIG = 200 * 1024
  // a clerk written on raw sockets: each path answers with a framing node:http would not choose
  const ANSWERS: Record<string, string> = {
    '/stateless/chunked': 'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n',
    '/stateless/close': 'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\nuntil the end',
    '/stateless/interim': 'HTTP/1.1 103 Early Hints\r\nlink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nafter',
    '/stateless/garbled': 'HTTP/1.1 200 OK\r\ncontent-length: 5\r\ncontent-length: 6\r\n\r\nhello!',
  }

  beforeAll(async () => {
    server = createServer((socket) => {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
      let got = ''
      socket.on('data', (c: Buffer) => {
        got += c.toString('latin1')
        const end = got.indexOf('\r\n\r\n')
        if (end < 0) return
        const path = got.slice(got.indexOf(' ') + 1, got.indexOf(' ', got.indexOf(' ') + 1))
        got = ''
        if (path === '/readyz') socket.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}')
        else if (path === '/stateless/pieces') {
          // the head in two reads, the body in three, some of them chunked: the proxy must keep what it read
          const parts = [
            'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ntransfer-en',
            'coding: chunked\r\n\r\n',
            `${(BIG / 2).toString(16)}\r\n${'a'.repeat(BIG / 2)}\r\n`,
            `${(BIG / 2).toString(16)}\r\n${'b'.repeat(BIG / 2)}\r\n0\r\n\r\n`,
          ]
          const next = (i: number): void => {
            if (i === parts.length) return
            socket.write(parts[i] as string)
            setTimeout(() => next(i + 1), 15)
          }
          next(0)
        } else if (path === '/stateless/close') socket.end(ANSWERS[path] as string)
        else socket.write(ANSWERS[path] ?? 'HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n')
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const address = server.address() as { port: number }
    raw = await start('fast', {}, `raw=http://127.0.0.1:${address.port}`)
  })

  afterAll(async () => {
    for (const s of sockets) s.destroy()
    await new Promise((resolve) => server.close(resolve))
  })

  it.each([
    ['a chunked answer, framed again with its length', '/stateless/chunked', 200, 'abcde'],
    ['an answer that ends when the clerk closes', '/stateless/close', 200, 'until the end'],
    ['the answer after an interim 103', '/stateless/interim', 200, 'after'],
  ])('passes on %s', async (_name, path, status, body) => {
    const answer = await rawRequest(raw, `GET ${path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n`)
    expect(answer.status).toBe(status)
    expect(answer.body).toBe(body)
    expect(answer.headers['content-length']).toBe(String(body.length))
    expect(answer.headers['transfer-encoding']).toBeUndefined()
  })

  it('passes on an answer whose head and body come in several reads, byte for byte', async () => {
    const answer = await rawRequest(raw, 'GET /stateless/pieces HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n')
    expect(answer.status).toBe(200)
    expect(answer.headers['content-length']).toBe(String(BIG))
    expect(answer.body).toBe('a'.repeat(BIG / 2) + 'b'.repeat(BIG / 2))
  })

  it('answers 502 for an answer strict llhttp refuses (two lengths), never passing it on', async () => {
    const answer = await rawRequest(raw, 'GET /stateless/garbled HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n')
    expect(answer.status).toBe(502)
    expect(answer.body).not.toContain('hello')
  })
})
