import type { ServerResponse } from 'node:http'
import { afterEach, describe, expect, it } from 'vitest'
import { waitFor } from '../../../services/common/wait-for.js'
import { httpFake, type Fake } from './fake-upstreams.js'
import { startProxyProcess, type ProxyProcess } from './proxy-process.js'

// Open event streams counted per clerk (`openStreams` in /_lb/status, proxy_clerk_open_streams in
// /metrics), in both engines and with cluster workers (which report to the primary every 250 ms).
// The clerk is a fake on a real socket that holds each stream open until the test ends it or
// "dies" (every socket destroyed, as a SIGKILL does); the proxy is the real process.

const ADMIN_TOKEN = 'open-streams-test-token'
// a machine shared by many test runs can take seconds to pass a chunk or a report along
const SETTLE_MS = 15_000 // 15 s

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** a clerk whose GET /shared/stream answers an event stream it keeps open; `streams` are the open answers */
async function streamingClerk(): Promise<{ fake: Fake; streams: ServerResponse[] }> {
  const streams: ServerResponse[] = []
  const fake = await httpFake('a', (req, res) => {
    if (req.url !== '/shared/stream') {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end('{"status":"ready"}')
      return
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
    res.write('id: 1\ndata: first\n\n')
    streams.push(res)
  })
  cleanups.push(() => fake.close())
  return { fake, streams }
}

async function proxyFor(fake: Fake, engine: string, workers: number): Promise<ProxyProcess> {
  const proxy = await startProxyProcess(
    { a: fake.url },
    { ADMIN_TOKEN, PROXY_ENGINE: engine, PROXY_WORKERS: String(workers), PROXY_HEALTH_INTERVAL_MS: '200', PROXY_UPSTREAM_TIMEOUT_MS: '30000' },
  )
  cleanups.push(() => proxy.service.stop())
  return proxy
}

interface ClerkView {
  id: string
  inFlight: number
  openStreams: number
  drained: boolean
}

async function clerkA(base: string): Promise<ClerkView> {
  const status = (await (await fetch(`${base}/_lb/status`, { signal: AbortSignal.timeout(5_000) })).json()) as { clerks: ClerkView[] }
  return status.clerks.find((c) => c.id === 'a')!
}

async function metricOpenStreams(base: string): Promise<number | undefined> {
  const text = await (await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(5_000) })).text()
  const m = /^proxy_clerk_open_streams\{clerk="a"\} (\d+)$/m.exec(text)
  return m ? Number(m[1]) : undefined
}

/** waits until /_lb/status and /metrics both say `n` open streams for clerk a */
async function openStreamsBecome(base: string, n: number): Promise<void> {
  await waitFor(async () => (await clerkA(base)).openStreams === n && (await metricOpenStreams(base)) === n, {
    what: `${n} open stream(s) for clerk a in /_lb/status and /metrics`,
    timeoutMs: SETTLE_MS,
  })
}

/** opens a stream through the proxy; `next()` reads until `text` has arrived, `rest()` reads to the end */
async function openStream(base: string) {
  const res = await fetch(`${base}/shared/stream`, { headers: { accept: 'text/event-stream' } })
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/)
  const reader = res.body!.getReader()
  const decoder = new TextDecoder()
  let text = ''
  return {
    async next(wanted: string): Promise<void> {
      while (!text.includes(wanted)) {
        const { done, value } = await reader.read()
        if (done) throw new Error(`stream ended before ${JSON.stringify(wanted)}`)
        text += decoder.decode(value, { stream: true })
      }
    },
    /** 'ended' when the stream closed normally; throws when it was cut */
    async rest(): Promise<'ended'> {
      for (;;) {
        const { done, value } = await reader.read()
        if (done) return 'ended'
        text += decoder.decode(value, { stream: true })
      }
    },
  }
}

const SETUPS = [
  { engine: 'undici', workers: 1 },
  { engine: 'http-proxy', workers: 1 },
  { engine: 'undici', workers: 2 },
  { engine: 'http-proxy', workers: 2 },
]

describe.each(SETUPS)('open streams per clerk ($engine engine, $workers worker(s))', ({ engine, workers }) => {
  it('counts a stream while it is open, keeps it through a drain, and forgets it when it ends', async () => {
    const { fake, streams } = await streamingClerk()
    const proxy = await proxyFor(fake, engine, workers)
    await openStreamsBecome(proxy.base, 0)
    const stream = await openStream(proxy.base)
    await stream.next('data: first')
    await openStreamsBecome(proxy.base, 1)

    // drained: no new customer, but the open stream stays, and its events still flow
    const drained = await fetch(`${proxy.base}/_lb/clerks/a/drain`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    expect(drained.status).toBe(200)
    await waitFor(async () => (await clerkA(proxy.base)).drained, { what: 'clerk a drained', timeoutMs: SETTLE_MS })
    streams[0]!.write('id: 2\ndata: after the drain\n\n')
    await stream.next('data: after the drain')
    expect(await clerkA(proxy.base)).toMatchObject({ drained: true, openStreams: 1 })

    streams[0]!.end('id: 3\ndata: last\n\n')
    await expect(stream.rest()).resolves.toBe('ended')
    await openStreamsBecome(proxy.base, 0)
    expect((await clerkA(proxy.base)).inFlight).toBe(0)
  }, 60_000)

  it("a clerk's death ends its streams for the customer at once (a cut, not a hang), and they are no longer counted", async () => {
    const { fake } = await streamingClerk()
    const proxy = await proxyFor(fake, engine, workers)
    const streams = [await openStream(proxy.base), await openStream(proxy.base)]
    for (const s of streams) await s.next('data: first')
    await openStreamsBecome(proxy.base, 2)

    await fake.close() // every socket destroyed, as the kernel does for a SIGKILLed clerk
    // the stream's deadline is 30 s between chunks: a cut seen within SETTLE_MS is the death, not a timeout
    for (const s of streams) {
      const settled = await Promise.race([
        s.rest().then(
          () => 'ended',
          () => 'cut',
        ),
        new Promise((resolve) => setTimeout(resolve, SETTLE_MS, 'hung')),
      ])
      expect(settled).toBe('cut')
    }
    await openStreamsBecome(proxy.base, 0)
  }, 60_000)
})
