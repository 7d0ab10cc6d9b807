import { connect } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { buildProxy, type Proxy } from '../../../proxy/build-proxy.js'
import { ENGINE_NAMES, buildOptions, parseClerks, type EngineName, type ProxyOptions } from '../../../proxy/options.js'
import { waitFor } from '../../../services/common/wait-for.js'
import { closesReusedSocketFake, deadUrl, garbageFake, goodFake, hangingFake, httpFake, resetMidResponseFake, type Fake } from './fake-upstreams.js'

// Every fault the proxy must survive, against small fake clerks on real sockets, for each engine.
// The proxy runs in this process (real node:http server, real engine) so the test can read its
// state; the fakes are what a real clerk cannot be made to do on demand.

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function fake(make: Promise<Fake>): Promise<Fake> {
  const f = await make
  cleanups.push(() => f.close())
  return f
}

async function startProxy(engine: EngineName, clerks: Record<string, string>, extra: Partial<ProxyOptions> = {}) {
  const spec = Object.entries(clerks)
    .map(([id, url]) => `${id}=${url}`)
    .join(',')
  const proxy: Proxy = buildProxy(
    buildOptions({
      port: 0,
      clerks: parseClerks(spec),
      engine,
      upstreamTimeoutMs: 1_000,
      connectTimeoutMs: 500,
      healthIntervalMs: 60_000, // one check at start; these tests are about passive behaviour
      healthTimeoutMs: 300,
      ...extra,
    }),
  )
  const port = await proxy.listen()
  cleanups.push(() => proxy.close(500))
  return { proxy, base: `http://127.0.0.1:${port}` }
}

async function call(base: string, path: string, init: RequestInit = {}) {
  const res = await fetch(base + path, { signal: AbortSignal.timeout(10_000), ...init })
  const text = await res.text()
  let body: Record<string, unknown>
  try {
    body = JSON.parse(text) as Record<string, unknown>
  } catch {
    body = { text }
  }
  return { status: res.status, headers: res.headers, body }
}

const post = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
})

describe.each(ENGINE_NAMES)('the %s engine', (engine) => {
  it('sends a request a clerk refused to another clerk, whatever its method', async () => {
    const good = await fake(goodFake('good'))
    const { base, proxy } = await startProxy(engine, { dead: await deadUrl(), good: good.url })
    const answers = []
    for (let i = 0; i < 4; i++) answers.push(await call(base, '/stateless/ask', post({ product: 'laptop' })))
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200])
    expect(answers.every((a) => a.body.clerk === 'good')).toBe(true)
    expect(answers.some((a) => a.headers.get('x-retried') === '1')).toBe(true)
    expect(proxy.state.byId.get('dead')?.healthy).toBe(false)
  })

  it('answers 503 no_upstream with a reason when no clerk is there', async () => {
    const { base } = await startProxy(engine, { a: await deadUrl(), b: await deadUrl() })
    const first = await call(base, '/stateless/ask', post({ product: 'laptop' }))
    expect(first.status).toBe(503)
    expect(first.body).toMatchObject({ error: 'no_upstream', code: 'PROXY_ERR_NO_UPSTREAM', statusCode: 503 })
    expect(typeof first.body.message).toBe('string')
    const again = await call(base, '/stateless/ask', post({ product: 'laptop' }))
    expect(again.status).toBe(503)
  })

  it('answers 504 gateway_timeout when a clerk accepts and never answers, and keeps serving', async () => {
    const hang = await fake(hangingFake())
    const good = await fake(goodFake('good'))
    const { base } = await startProxy(engine, { hang: hang.url, good: good.url }, { upstreamTimeoutMs: 400 })
    const statuses = new Set<number>()
    for (let i = 0; i < 2; i++) {
      const a = await call(base, '/stateless/buy', post({ quantity: 2 }))
      statuses.add(a.status)
      if (a.status === 504) expect(a.body).toMatchObject({ error: 'gateway_timeout', code: 'PROXY_ERR_GATEWAY_TIMEOUT' })
    }
    expect([...statuses].sort()).toEqual([200, 504])
  })

  it('answers 502 bad_gateway when a clerk answers garbage, and retries an idempotent request elsewhere', async () => {
    const garbage = await fake(garbageFake())
    const good = await fake(goodFake('good'))
    const { base } = await startProxy(engine, { garbage: garbage.url, good: good.url })
    // /orders is not idempotent by design (the route table): a keyless POST there is not repeated
    const posts = [await call(base, '/orders', post({})), await call(base, '/orders', post({}))]
    const broken = posts.find((p) => p.status !== 200)
    expect(broken?.status).toBe(502)
    expect(broken?.body).toMatchObject({ error: 'bad_gateway', code: 'PROXY_ERR_BAD_GATEWAY' })
    expect(String(broken?.body.reason)).toMatch(/garbage/)
    const gets = [await call(base, '/orders?after=0'), await call(base, '/orders?after=0')]
    expect(gets.map((g) => g.status)).toEqual([200, 200])
    // a stateless step is idempotent by design: a keyless POST goes to the good clerk
    const asks = [await call(base, '/stateless/ask', post({})), await call(base, '/stateless/ask', post({}))]
    expect(asks.map((a) => a.status)).toEqual([200, 200])
  })

  it('answers 502 when a clerk resets mid-response, and retries a request with an Idempotency-Key', async () => {
    const reset = await fake(resetMidResponseFake())
    const good = await fake(goodFake('good'))
    const { base } = await startProxy(engine, { reset: reset.url, good: good.url })
    const plain = [await call(base, '/orders', post({ method: 'card' })), await call(base, '/orders', post({ method: 'card' }))]
    expect(plain.map((p) => p.status).sort()).toEqual([200, 502])
    const keyed = []
    for (let i = 0; i < 2; i++) keyed.push(await call(base, '/stateless/pay', post({ method: 'card' }, { 'idempotency-key': `k-${i}` })))
    expect(keyed.map((k) => k.status)).toEqual([200, 200])
    expect(keyed.some((k) => k.headers.get('x-retried') === '1')).toBe(true)
    // a keyless pay is repeated too: the route gives it a key of the proxy's own (the ledger replays it)
    const keyless = [await call(base, '/stateless/pay', post({ method: 'card' })), await call(base, '/stateless/pay', post({ method: 'card' }))]
    expect(keyless.map((k) => k.status)).toEqual([200, 200])
  })

  it('survives a clerk closing a keep-alive socket just as it is reused', async () => {
    const closer = await fake(closesReusedSocketFake('closer'))
    const good = await fake(goodFake('good'))
    const { base } = await startProxy(engine, { closer: closer.url, good: good.url })
    // round-robin: closer (new socket), good, closer (reused socket → closed under the request), ...
    const gets = []
    for (let i = 0; i < 4; i++) gets.push(await call(base, '/orders/o-1'))
    expect(gets.map((g) => g.status)).toEqual([200, 200, 200, 200])
    expect(gets.some((g) => g.headers.get('x-retried') === '1')).toBe(true)
    const posts = []
    for (let i = 0; i < 4; i++) posts.push(await call(base, '/orders', post({ product: 'laptop' })))
    // a POST without Idempotency-Key that may have reached the clerk is not repeated: a clean 502
    for (const p of posts) expect([200, 502]).toContain(p.status)
    const refused = posts.filter((p) => p.status === 502)
    expect(refused.length).toBeGreaterThan(0)
    expect(refused[0]?.body).toMatchObject({ error: 'bad_gateway', code: 'PROXY_ERR_BAD_GATEWAY' })
    const after = await call(base, '/orders', post({ product: 'laptop' }, { 'idempotency-key': 'again' }))
    expect(after.status).toBe(200)
  })

  it('aborts the upstream request when the customer leaves, so the connection goes back to the pool', async () => {
    let held = 0
    const slow = await fake(
      httpFake('slow', (req, res) => {
        if (req.url?.startsWith('/stateless/hold')) {
          held++
          return // never answers; the proxy must give the connection back when the customer leaves
        }
        res.writeHead(200, { 'content-type': 'application/json' })
        res.end(JSON.stringify({ clerk: 'slow', path: req.url }))
      }),
    )
    const { base, proxy } = await startProxy(engine, { slow: slow.url }, { connectionsPerClerk: 1, upstreamTimeoutMs: 5_000 })
    for (let i = 0; i < 3; i++) {
      const controller = new AbortController()
      const pending = fetch(`${base}/stateless/hold`, { method: 'POST', body: '{}', signal: controller.signal }).catch(() => undefined)
      await waitFor(() => held === i + 1, { what: 'the clerk to hold the request' })
      controller.abort()
      await pending
      await waitFor(() => proxy.state.byId.get('slow')?.inFlight === 0, { what: 'in-flight back to 0' })
    }
    const after = await call(base, '/stateless/ask', post({ product: 'laptop' }))
    expect(after.status).toBe(200)
  })

  it('sends a request a shutting-down clerk turned away (503 + Connection: close) to another clerk', async () => {
    const closing = await fake(
      httpFake('closing', (req, res) => {
        res.writeHead(503, { 'content-type': 'application/json', connection: 'close' })
        res.end(JSON.stringify({ error: 'shutting_down', clerk: 'closing' }))
      }),
    )
    const good = await fake(goodFake('good'))
    const { base } = await startProxy(engine, { closing: closing.url, good: good.url })
    const first = await call(base, '/stateless/pay', post({ method: 'card' }))
    expect(first.status).toBe(200)
    expect(first.body.clerk).toBe('good')
    // alone, its own 503 reaches the customer
    const { base: aloneBase } = await startProxy(engine, { closing: closing.url })
    const alone = await call(aloneBase, '/stateless/pay', post({ method: 'card' }))
    expect(alone.status).toBe(503)
    expect(alone.body.error).toBe('shutting_down')
  })

  it('answers 413 body_too_large above the replay buffer cap', async () => {
    const good = await fake(goodFake('good'))
    const { base } = await startProxy(engine, { good: good.url }, { bodyCapBytes: 1024 })
    const big = await call(base, '/stateless/ask', { method: 'POST', body: 'x'.repeat(5000), headers: { 'content-type': 'application/json' } })
    expect(big.status).toBe(413)
    expect(big.body).toMatchObject({ error: 'body_too_large', code: 'PROXY_ERR_BODY_TOO_LARGE' })
    expect((await call(base, '/stateless/ask', post({ product: 'laptop' }))).status).toBe(200)
  })

  it('forwards the body and headers, and drops hop-by-hop headers', async () => {
    let seenHeaders: Record<string, unknown> = {}
    const echo = await fake(
      httpFake('echo', (req, res, body) => {
        seenHeaders = req.headers
        res.writeHead(201, { 'content-type': 'application/json', 'x-clerk': 'echo', 'set-cookie': 'stateful_sid=abc; Path=/stateful' })
        res.end(JSON.stringify({ got: body }))
      }),
    )
    const { base } = await startProxy(engine, { echo: echo.url })
    const sentAt = Date.now()
    const res = await call(base, '/stateful/ask', post({ product: 'laptop' }, { 'x-custom': 'yes', 'idempotency-key': 'k1', 'x-request-deadline': '1' }))
    expect(res.status).toBe(201)
    expect(res.body.got).toBe('{"product":"laptop"}')
    expect(res.headers.get('x-clerk')).toBe('echo')
    // the clerk's session cookie and the sticky cookie both reach the customer
    expect(res.headers.getSetCookie().some((c) => c.startsWith('stateful_sid=abc'))).toBe(true)
    expect(res.headers.getSetCookie().some((c) => /^lb_clerk=[A-Za-z0-9_-]+; Path=\/stateful; HttpOnly; SameSite=Lax$/.test(c))).toBe(true)
    expect(seenHeaders['x-custom']).toBe('yes')
    expect(seenHeaders['idempotency-key']).toBe('k1')
    expect(seenHeaders['content-length']).toBe('20')
    expect(seenHeaders['x-forwarded-for']).toBe('127.0.0.1')
    // the attempt's deadline is the proxy's, never the customer's (startProxy: 1 s timeout)
    const deadline = Number(seenHeaders['x-request-deadline'])
    expect(deadline).toBeGreaterThanOrEqual(sentAt + 1_000)
    expect(deadline).toBeLessThanOrEqual(Date.now() + 1_000)
  })

  it('lets a customer who sends a body over the cap in one go read the 413, then serves that connection again', async () => {
    const good = await fake(goodFake('good'))
    const { base } = await startProxy(engine, { good: good.url }, { bodyCapBytes: 1024 })
    const { port } = new URL(base)
    const body = 'x'.repeat(2 * 1024 * 1024) // 2 MiB, written whole before reading anything
    const request = (b: string) => `POST /stateless/ask HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(b)}\r\n\r\n${b}`
    const answers = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1')
      let text = ''
      socket.setEncoding('utf8')
      socket.on('data', (c: string) => {
        text += c
        // the 413 and then the second request's answer on the same connection
        if ((text.match(/HTTP\/1\.1 /g) ?? []).length === 2 && text.endsWith('}')) {
          socket.destroy()
          resolve(text)
        }
      })
      socket.once('error', reject)
      socket.write(request(body))
      socket.write(request('{"product":"laptop"}'))
      setTimeout(() => reject(new Error(`no two answers in 10 s, got: ${text.slice(0, 300)}`)), 10_000).unref()
    })
    expect(answers).toMatch(/^HTTP\/1\.1 413 /)
    expect(answers).toContain('"code":"PROXY_ERR_BODY_TOO_LARGE"')
    expect(answers).toMatch(/HTTP\/1\.1 200 [\s\S]*"clerk":"good"/)
  })

  it('ejects a clerk whose answers are 500s though its /readyz says ready, but not one answering 503', async () => {
    const answering = (id: string, status: number) =>
      httpFake(id, (_req, res) => {
        res.writeHead(status, { 'content-type': 'application/json', 'x-clerk': id })
        res.end(JSON.stringify({ error: status === 503 ? 'redis_unavailable' : 'internal' }))
      })
    const broken = await fake(answering('broken', 500))
    const noRedis = await fake(answering('no-redis', 503))
    const good = await fake(goodFake('good'))
    const { base, proxy } = await startProxy(engine, { broken: broken.url, 'no-redis': noRedis.url, good: good.url })
    const statuses: number[] = []
    for (let i = 0; i < 12; i++) statuses.push((await call(base, '/stateless/ask', post({ product: 'laptop' }))).status)
    expect(proxy.state.byId.get('broken')?.healthy).toBe(false) // PROXY_HEALTH_FALL (2) answers of 500
    expect(proxy.state.byId.get('no-redis')?.healthy).toBe(true) // a Redis outage is not the clerk's fault
    expect(statuses.filter((s) => s === 500)).toHaveLength(2)
    expect(statuses.slice(-3).every((s) => s === 200 || s === 503)).toBe(true)
  })

  it('answers HEAD with the length a GET would have', async () => {
    const sized = await fake(
      httpFake('sized', (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '43', 'x-clerk': 'sized' })
        res.end()
      }),
    )
    const { base } = await startProxy(engine, { sized: sized.url })
    const res = await fetch(`${base}/orders`, { method: 'HEAD' })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-length')).toBe('43')
  })

  it('forwards a header the customer sent twice, twice (two Cookie lines stay two cookies)', async () => {
    let seen: string[] = []
    const echo = await fake(
      httpFake('echo', (req, res) => {
        seen = req.rawHeaders
        res.writeHead(200, { 'content-type': 'application/json', 'x-clerk': 'echo' })
        res.end('{}')
      }),
    )
    const { base } = await startProxy(engine, { echo: echo.url })
    const { port } = new URL(base)
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1')
      socket.once('data', () => {
        socket.destroy()
        resolve()
      })
      socket.once('error', reject)
      socket.write('GET /orders HTTP/1.1\r\nhost: x\r\nx-dup: one\r\nx-dup: two\r\ncookie: a=1\r\ncookie: b=2\r\n\r\n')
    })
    const values = (name: string) => seen.filter((_, i) => i % 2 === 1 && seen[i - 1]?.toLowerCase() === name)
    expect(values('x-dup').join(', ')).toBe('one, two')
    expect(values('cookie').join('; ')).toBe('a=1; b=2')
  })

  it('keeps to a short PROXY_UPSTREAM_TIMEOUT_MS: the 504 comes before a slow answer would have', async () => {
    // the clerk answers after 600 ms; a 150 ms deadline must answer 504 first (undici's own
    // timers are coarse, about a second at the least: with them the customer got the 200).
    // Both timers run in this process, the fake's started later, so their order is certain.
    const slow = await fake(
      httpFake('slow', (_req, res) => {
        setTimeout(() => {
          res.writeHead(200, { 'content-type': 'application/json', 'x-clerk': 'slow' })
          res.end('{}')
        }, 600).unref()
      }),
    )
    const { base } = await startProxy(engine, { slow: slow.url }, { upstreamTimeoutMs: 150 })
    const res = await call(base, '/stateless/buy', post({ quantity: 2 }))
    expect(res.status).toBe(504)
    expect(res.body).toMatchObject({ error: 'gateway_timeout' })
  })
})
