import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clerkRouteId } from '../../../services/common/clerk-route-id.js'
import { ADMIN_TOKEN, setPolicy, startMcpCluster, type McpCluster } from './mcp-cluster.js'
import { callTool, connectMcp } from './mcp-client.js'

// The laptop shop as an MCP server, used by the SDK's own client (Client + StreamableHTTPClientTransport)
// over real sockets through the real proxy, in front of real clerks and a real Redis.

describe('MCP through the proxy, one dialogue per mode', () => {
  let cluster: McpCluster

  beforeAll(async () => {
    cluster = await startMcpCluster()
  }, 300_000)
  afterAll(async () => {
    await cluster?.stop()
  })

  for (const mode of ['stateful', 'shared'] as const) {
    it(`${mode}: ask_price, buy, pay with three progress events, and the order is in the ledger`, async () => {
      const { client, transport } = await connectMcp(`${cluster.base}/${mode}/mcp`)
      try {
        expect(transport.sessionId).toMatch(/^[A-Za-z0-9_-]{16}\.[0-9a-f-]{36}$/)
        const tools = await client.listTools()
        expect(tools.tools.map((t) => t.name).sort()).toEqual(['ask_price', 'buy', 'pay'])
        const asked = await callTool(client, 'ask_price', { product: 'laptop' })
        expect(asked.result.content).toEqual([{ type: 'text', text: '1,000,000 won.' }])
        const bought = await callTool(client, 'buy', { quantity: 2 })
        expect(bought.structured.say).toBe('2,000,000 won. Credit card or cash?')
        const paid = await callTool(client, 'pay', { method: 'card' })
        expect(paid.structured.say).toBe('Payment of 2,000,000 won completed.')
        expect(paid.progress.map((p) => p.progress)).toEqual([1, 2, 3])
        const order = paid.structured.order as { id: string; total: number }
        expect(order.total).toBe(2_000_000)
        const stored = await fetch(`${cluster.base}/orders/${order.id}`)
        expect(stored.status).toBe(200)
        if (mode === 'stateful') {
          // one clerk held the whole session: the one its id names
          const clerks = new Set([asked, bought, paid].map((c) => c.structured.clerk))
          expect(clerks.size).toBe(1)
          expect(clerkRouteId(String([...clerks][0]))).toBe(transport.sessionId?.split('.')[0])
        }
      } finally {
        await client.close()
      }
    })
  }

  it('stateless: no session; each result carries the context the next call sends back, any clerk answers', async () => {
    const { client, transport } = await connectMcp(`${cluster.base}/stateless/mcp`)
    try {
      expect(transport.sessionId).toBeUndefined()
      const asked = await callTool(client, 'ask_price', { product: 'laptop' })
      const bought = await callTool(client, 'buy', { quantity: 2, context: asked.structured.context })
      const paid = await callTool(client, 'pay', { method: 'card', context: bought.structured.context })
      expect(paid.structured.say).toBe('Payment of 2,000,000 won completed.')
      expect(paid.progress.map((p) => p.progress)).toEqual([1, 2, 3])
      // without the context: the stateless "2 of what?"
      const lost = await callTool(client, 'buy', { quantity: 2 })
      expect(lost.result.isError).toBe(true)
      expect(lost.structured.error).toBe('context_lost')
    } finally {
      await client.close()
    }
  })

  it('stateful behind round-robin: the next clerk knows no such session (404 Session not found), as the spec says', async () => {
    await setPolicy(cluster.base, 'stateful', 'round-robin')
    try {
      // initialize lands on one clerk, the `initialized` notification on the next one
      await expect(connectMcp(`${cluster.base}/stateful/mcp`)).rejects.toThrow(/Session not found/)
    } finally {
      await setPolicy(cluster.base, 'stateful', 'mcp-session+round-robin')
    }
  })

  it('stateful: a SIGKILLed clerk takes its sessions along (404), and a fresh session works at once', async () => {
    const { client, transport } = await connectMcp(`${cluster.base}/stateful/mcp`)
    const fresh = await (async () => {
      try {
        await callTool(client, 'ask_price', { product: 'laptop' })
        const victim = cluster.clerks.find((c) => clerkRouteId(c.id) === transport.sessionId?.split('.')[0])
        expect(victim).toBeDefined()
        await victim!.service.signal('SIGKILL')
        // the proxy redispatches the session's requests to a clerk that never met it
        await expect(callTool(client, 'buy', { quantity: 2 })).rejects.toThrow(/Session not found/)
        return await connectMcp(`${cluster.base}/stateful/mcp`)
      } finally {
        await client.close()
      }
    })()
    try {
      const asked = await callTool(fresh.client, 'ask_price', { product: 'laptop' })
      const bought = await callTool(fresh.client, 'buy', { quantity: 2 })
      expect(bought.structured.total).toBe(2_000_000)
      expect(bought.structured.clerk).toBe(asked.structured.clerk)
    } finally {
      await fresh.client.close()
      const dead = cluster.clerks.find((c) => c.service.exited())
      if (dead) await cluster.revive(dead.id)
      await cluster.allHealthy()
    }
  })

  it('bad input gets the protocol answer (a JSON-RPC error or a 4xx), never a 5xx or a hung stream', async () => {
    const post = (mode: string, body: string, headers: Record<string, string> = {}) =>
      fetch(`${cluster.base}/${mode}/mcp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
        body,
        signal: AbortSignal.timeout(10_000),
      })
    const list = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' })
    for (const mode of ['stateful', 'shared']) {
      // a forged or foreign session id: 404 Session not found, as for an expired one
      for (const forged of ['nope', 'AAAAAAAAAAAAAAAA.00000000-0000-0000-0000-000000000000', 'x'.repeat(300)]) {
        const res = await post(mode, list, { 'mcp-session-id': forged })
        expect(res.status).toBe(404)
        expect(((await res.json()) as { error: { code: number } }).error.code).toBe(-32001)
      }
      // no session id at all on anything but initialize
      expect((await post(mode, list)).status).toBe(400)
    }
    for (const mode of ['stateful', 'stateless', 'shared']) {
      expect((await post(mode, '{"jsonrpc":')).status).toBe(400) // not JSON
      expect((await post(mode, '{"hello":"world"}', mode === 'stateless' ? {} : { 'mcp-session-id': 'nope' })).status).toBeLessThan(500)
    }
    expect((await post('stateless', '{"hello":"world"}')).status).toBe(400) // not JSON-RPC
    // a bogus Last-Event-ID on a real shared session: 400, at once
    const { client, transport } = await connectMcp(`${cluster.base}/shared/mcp`)
    try {
      for (const bogus of ['42', '00000000-0000-0000-0000-000000000000_1-0', "'; DROP TABLE"]) {
        const res = await fetch(`${cluster.base}/shared/mcp`, {
          headers: { accept: 'text/event-stream', 'mcp-session-id': transport.sessionId!, 'last-event-id': bogus },
          signal: AbortSignal.timeout(10_000),
        })
        expect(res.status).toBe(400)
      }
      // unknown tools and bad arguments: an error the client reads, not a crash
      const unknown = await client.callTool({ name: 'steal_laptop', arguments: {} }).catch((err: Error) => ({ isError: true, message: err.message }))
      expect(unknown.isError).toBe(true)
      const bad = await client.callTool({ name: 'buy', arguments: { quantity: 'two' } }).catch((err: Error) => ({ isError: true, message: err.message }))
      expect(bad.isError).toBe(true)
      const outOfRange = await callTool(client, 'buy', { quantity: 2 })
      expect(outOfRange.structured.error).toBe('context_lost') // buy before any ask: "2 of what?"
    } finally {
      await client.close()
    }
  })

  it('shared: a clerk SIGKILLed mid-pay; the stream resumes on another clerk, every progress event once, one order', () => killMidPay(cluster))
})

describe('MCP streams through the http-proxy engine', () => {
  let cluster: McpCluster

  beforeAll(async () => {
    cluster = await startMcpCluster({ PROXY_ENGINE: 'http-proxy' })
  }, 300_000)
  afterAll(async () => {
    await cluster?.stop()
  })

  it('shared: a clerk SIGKILLed mid-pay; the stream resumes on another clerk, every progress event once, one order', () => killMidPay(cluster))
})

/**
 * The kill lands after the first progress event reached the client: that is only possible when the
 * proxy passes the stream on unbuffered (buffered, the client would get every event at once, after
 * the pay ended on the clerk that is about to die).
 */
async function killMidPay(cluster: McpCluster): Promise<void> {
  const { client, transport } = await connectMcp(`${cluster.base}/shared/mcp`)
  try {
    await callTool(client, 'ask_price', { product: 'laptop' })
    await callTool(client, 'buy', { quantity: 3 })
    // the pay's stream is held by the clerk the proxy pins this session to: the one its id names
    const route = transport.sessionId?.split('.')[0]
    const victim = cluster.clerks.find((c) => clerkRouteId(c.id) === route)
    expect(victim).toBeDefined()
    let killed: Promise<unknown> | undefined
    const paid = await callTool(client, 'pay', { method: 'card' }, (p) => {
      if (p.progress === 1) killed = victim!.service.signal('SIGKILL')
    })
    await killed
    expect(paid.result.isError).toBeFalsy()
    expect(paid.progress.map((p) => p.progress)).toEqual([1, 2, 3])
    expect(paid.structured.clerk).not.toBe(victim!.id)
    const order = paid.structured.order as { id: string; dialogueId: string; total: number }
    expect(order.total).toBe(3_000_000)
    // exactly one order for this dialogue in the ledger
    const ledger = (await (await fetch(`${cluster.base}/orders?limit=1000`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as {
      orders: { dialogueId: string }[]
    }
    expect(ledger.orders.filter((o) => o.dialogueId === order.dialogueId)).toHaveLength(1)
    // and the session carries on on another clerk
    const again = await callTool(client, 'ask_price', { product: 'mouse' })
    expect(again.result.isError).toBeFalsy()
  } finally {
    await client.close()
    const dead = cluster.clerks.find((c) => c.service.exited())
    if (dead) await cluster.revive(dead.id)
    await cluster.allHealthy()
  }
}
