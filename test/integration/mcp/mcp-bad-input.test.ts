import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../../../services/common/free-port.js'
import { startRedisServer, type RedisServer } from '../../../services/common/redis-server.js'
import { spawnService, type SpawnedService } from '../../helpers/spawn-service.js'

// What issue 17's bad-input list asks, beside mcp-through-proxy.test.ts (forged ids, bogus
// Last-Event-ID, unknown tools, bad arguments): malformed JSON-RPC of every shape, a session id
// of another mode, a resume asked of a mode that has none, and the cap on stateful sessions. One
// real clerk and a real Redis; every answer is a protocol error or a 4xx, at once (each request has
// a deadline: a hung stream fails the test), and the clerk stays healthy throughout.

const SESSIONS_MAX = 2
const ANSWER_MS = 10_000 // 10 s: an answer, not a hang, on a busy machine
let redis: RedisServer
let clerk: SpawnedService
let base = ''

beforeAll(async () => {
  redis = await startRedisServer({ appendOnly: false })
  const port = await freePort()
  base = `http://127.0.0.1:${port}`
  clerk = await spawnService(
    'services/clerk/main.js',
    {
      CLERK_PORT: String(port),
      CLERK_HOST: '127.0.0.1',
      CLERK_ID: 'clerk-a',
      REDIS_URL: redis.url,
      SESSION_SECRET: 'a-session-secret-for-the-mcp-bad-input-test-0123',
      ADMIN_TOKEN: 'mcp-bad-input-token',
      CLERK_MCP_SESSIONS_MAX: String(SESSIONS_MAX),
    },
    `${base}/readyz`,
    { timeoutMs: 90_000 },
  )
}, 120_000)

afterAll(async () => {
  await clerk?.stop()
  await redis?.stop()
})

const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-11-25' }
const INITIALIZE = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 't', version: '1' } },
})

async function post(mode: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(`${base}/${mode}/mcp`, { method: 'POST', headers: { ...MCP_HEADERS, ...headers }, body, signal: AbortSignal.timeout(ANSWER_MS) })
  const stream = res.headers.get('content-type')?.startsWith('text/event-stream') === true
  const text = stream ? '' : await res.text()
  if (stream) await res.body?.cancel()
  return { status: res.status, text, headers: res.headers }
}

/** a new session of `mode`: its id */
async function initialize(mode: string): Promise<string> {
  const res = await post(mode, INITIALIZE)
  expect(res.status).toBe(200)
  const id = res.headers.get('mcp-session-id')
  expect(id).toBeTruthy()
  return id!
}

/** DELETE: the client ends its session (no body, so no content type); the status */
async function end(mode: string, sessionId: string): Promise<number> {
  const res = await fetch(`${base}/${mode}/mcp`, {
    method: 'DELETE',
    headers: { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' },
    signal: AbortSignal.timeout(ANSWER_MS),
  })
  await res.body?.cancel()
  return res.status
}

async function clerkHealthy(): Promise<boolean> {
  return (await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(ANSWER_MS) })).status === 200
}

describe('MCP bad input, answered by the protocol', () => {
  it('malformed JSON-RPC of every shape: a 4xx or a JSON-RPC error, never a 5xx', async () => {
    const malformed = [
      '[]', // an empty batch
      '[1, 2]', // a batch of non-messages
      '{"jsonrpc":"1.0","id":1,"method":"initialize"}', // the wrong version
      '{"jsonrpc":"2.0","id":{"a":1},"method":"tools/list"}', // an id that is an object
      '{"jsonrpc":"2.0","id":1,"method":5}', // a method that is not a string
      '{"jsonrpc":"2.0","id":1,"method":"initialize","params":"yes"}', // params not an object
      '"just a string"',
      'null',
      `{"jsonrpc":"2.0","id":1,"method":"${'x'.repeat(2000)}"}`,
    ]
    for (const mode of ['stateful', 'stateless', 'shared']) {
      for (const body of malformed) {
        const res = await post(mode, body)
        expect(res.status, `${mode} ${body.slice(0, 60)} → ${res.status} ${res.text.slice(0, 200)}`).toBeGreaterThanOrEqual(200)
        expect(res.status, `${mode} ${body.slice(0, 60)} → ${res.status} ${res.text.slice(0, 200)}`).toBeLessThan(500)
      }
      // the wrong content type or accept header: the transport's 4xx
      for (const wrong of [{ 'content-type': 'text/plain' }, { accept: 'text/html' }] as Record<string, string>[]) {
        const res = await post(mode, INITIALIZE, wrong)
        expect(res.status).toBeGreaterThanOrEqual(400)
        expect(res.status).toBeLessThan(500)
        // a refused initialize leaves no session behind (in shared mode, none in Redis)
        const id = res.headers.get('mcp-session-id')
        if (id !== null) expect((await post(mode, JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }), { 'mcp-session-id': id })).status).toBe(404)
      }
    }
    expect(await clerkHealthy()).toBe(true)
  })

  it('a session id of another mode is a foreign one: 404 Session not found, as for a forged id', async () => {
    const list = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' })
    const shared = await initialize('shared')
    const stateful = await initialize('stateful')
    try {
      for (const [mode, foreign] of [
        ['stateful', shared],
        ['shared', stateful],
      ] as const) {
        const res = await post(mode, list, { 'mcp-session-id': foreign })
        expect(res.status).toBe(404)
        expect((JSON.parse(res.text) as { error: { code: number } }).error.code).toBe(-32001)
      }
    } finally {
      await end('stateful', stateful)
    }
  })

  it('a resume (GET with Last-Event-ID) of a mode without resumable streams: 405 at once, not a stream that never ends', async () => {
    for (const mode of ['stateful', 'stateless']) {
      const res = await fetch(`${base}/${mode}/mcp`, { headers: { accept: 'text/event-stream', 'last-event-id': 'abc_1-0' }, signal: AbortSignal.timeout(ANSWER_MS) })
      expect(res.status).toBe(405)
      expect(res.headers.get('allow')).toMatch(/^POST/)
      await res.body?.cancel()
    }
  })

  it(`holds at most CLERK_MCP_SESSIONS_MAX stateful sessions: one more gets 503 + Retry-After and a JSON-RPC error; a closed one makes room`, async () => {
    const held = [await initialize('stateful'), await initialize('stateful')]
    const refused = await post('stateful', INITIALIZE)
    expect(refused.status).toBe(503)
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect(JSON.parse(refused.text)).toMatchObject({ jsonrpc: '2.0', error: { code: -32000 } })
    expect(await clerkHealthy()).toBe(true) // a full table is no reason to take the clerk out
    expect(await end('stateful', held[0]!)).toBe(200)
    held[0] = await initialize('stateful')
    for (const id of held) await end('stateful', id)
  })
})
