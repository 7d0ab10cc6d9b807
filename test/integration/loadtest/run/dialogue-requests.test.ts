import autocannon from 'autocannon'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readProcNetTcp, TIME_WAIT } from '../../../../loadtest/analyze/tcp-states.js'
import { DEFAULT_ORDER, type DialogueRecord } from '../../../../loadtest/run/customer.js'
import { dialogueRequests, type DialogueRequestsOptions } from '../../../../loadtest/run/dialogue-requests.js'
import { openCluster, type ClusterHandle } from '../../../../loadtest/run/open-cluster.js'

// Pins how dialogue-requests.ts drives autocannon 8 (it hooks into the Client's internals):
// context carried per dialogue, keep-alive off really opening a socket per answer, pipelining with
// stateless dialogues. Against a real local cluster; bounded by a dialogue count.
let cluster: ClusterHandle

beforeAll(async () => {
  cluster = await openCluster({ clerks: 2, log: () => {} })
}, 60_000)

afterAll(async () => {
  await cluster?.close()
})

async function drive(
  dialogues: number,
  options: Omit<DialogueRequestsOptions, 'onDialogue' | 'mayStart'>,
  autocannonOptions: Partial<autocannon.Options> = {},
): Promise<DialogueRecord[]> {
  const records: DialogueRecord[] = []
  const traffic = dialogueRequests({ adminToken: cluster.adminToken, ...options, mayStart: () => traffic.started() < dialogues, onDialogue: (r) => records.push(r) })
  await autocannon({
    url: cluster.proxyUrl,
    connections: 4,
    duration: 30, // s: a cap; the run ends when every customer has left
    requests: traffic.requests,
    setupClient: traffic.setupClient,
    ...autocannonOptions,
  })
  traffic.closeOpen()
  return records
}

describe('dialogue-requests drives whole dialogues with autocannon', () => {
  it.each(['stateful', 'stateless', 'shared'] as const)('completes %s dialogues, one record each, orders with their keys', async (mode) => {
    if (mode === 'stateful') await cluster.api.setPolicy('stateful', 'sticky')
    const records = await drive(40, { mode, keyPrefix: `it-${mode}` })
    expect(records).toHaveLength(40)
    expect(new Set(records.map((r) => r.id)).size).toBe(40)
    for (const r of records) {
      expect(r).toMatchObject({ outcome: 'completed', step: 'pay', status: 200, mode })
      expect(r.orderId).toMatch(/^o-/)
      expect(r.idempotencyKey).toBe(`it-${mode}-${r.id}`)
      expect(Object.keys(r.latencyMs).sort()).toEqual(['ask', 'buy', 'pay'])
      if (mode === 'stateful') expect(new Set(Object.values(r.clerks)).size).toBe(1) // sticky: one clerk
    }
  })

  it('sees the stateful dialogue break when round-robin moves it to another clerk', async () => {
    await cluster.api.setPolicy('stateful', 'round-robin')
    const records = await drive(40, { mode: 'stateful' })
    const lost = records.filter((r) => r.outcome === 'context_lost')
    expect(lost.length).toBeGreaterThan(0)
    for (const r of lost) expect(r.clerks[r.step ?? 'ask']).not.toBe(r.clerks.ask)
    await cluster.api.setPolicy('stateful', 'sticky')
  })

  it('opens a new connection for every answer with keep-alive off (each leaves a socket in TIME_WAIT)', async () => {
    // the sockets, not a count: earlier tests' TIME_WAITs expire (60 s) while this one runs, and a
    // difference of two counts lost them (85 of 90 once in CI)
    const waitingOnProxy = () => {
      const entries = readProcNetTcp()
      if (!entries) return undefined // not Linux
      const onProxy = entries.filter((e) => e.state === TIME_WAIT && (e.localPort === cluster.proxyPort || e.remotePort === cluster.proxyPort))
      return new Set(onProxy.map((e) => `${e.localPort}>${e.remotePort}`))
    }
    const before = waitingOnProxy()
    const records = await drive(30, { mode: 'stateless', keepAlive: false })
    const after = waitingOnProxy()
    expect(records.every((r) => r.outcome === 'completed')).toBe(true)
    if (before && after) expect([...after].filter((socket) => !before.has(socket)).length).toBeGreaterThanOrEqual(90) // 30 dialogues × 3 answers
  })

  it('cookies off: stateful and shared dialogues end at buy as no_session, stateless ones complete', async () => {
    await cluster.api.setPolicy('stateful', 'sticky')
    const byMode = await Promise.all((['stateful', 'shared', 'stateless'] as const).map((mode) => drive(8, { mode, cookies: false })))
    for (const records of byMode.slice(0, 2)) {
      expect(records).toHaveLength(8)
      for (const r of records) expect(r).toMatchObject({ outcome: 'no_session', step: 'buy', status: 409, reason: 'no_session' })
    }
    expect(byMode[2]!.map((r) => r.outcome)).toEqual(Array(8).fill('completed'))
  })

  it('fills a cart of 20 products in every mode; only stateless carries it on the wire after buy', async () => {
    await cluster.api.setPolicy('stateful', 'sticky')
    const wish = { ...DEFAULT_ORDER, items: 20 }
    const [stateful, stateless, fields] = await Promise.all([
      drive(6, { mode: 'stateful', wish }),
      drive(6, { mode: 'stateless', wish }),
      drive(6, { mode: 'stateless', wish, statelessCarry: 'fields' }),
    ])
    // 2 laptops + one each of acc-01 … acc-19 (10,000 + 1,000 × i won)
    const total = 2_000_000 + Array.from({ length: 19 }, (_, i) => 10_000 + i * 1_000).reduce((a, b) => a + b, 0)
    for (const r of [...stateful, ...stateless, ...fields]) expect(r).toMatchObject({ outcome: 'completed', total })
    const bytes = (records: DialogueRecord[]) => records.reduce((sum, r) => sum + (r.wire?.sent ?? 0) + (r.wire?.received ?? 0), 0) / records.length
    // the token carries the whole cart in the buy answer and again in pay (and back)
    expect(bytes(stateless)).toBeGreaterThan(bytes(stateful) + 1000)
  })

  it('refuses a cart over 50 products with a 400 naming items, and stays healthy', async () => {
    const items = Array.from({ length: 50 }, () => ({ product: 'acc-01', quantity: 1 }))
    const ask = await fetch(`${cluster.proxyUrl}/stateless/ask`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"product":"laptop"}' })
    const { context } = (await ask.json()) as { context: string }
    const res = await fetch(`${cluster.proxyUrl}/stateless/buy`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ context, quantity: 1, items }),
    })
    expect(res.status).toBe(400)
    expect(await res.json()).toMatchObject({ field: 'items' })
    expect((await cluster.api.status()).clerks.every((c) => c.healthy)).toBe(true)
  })

  it('carries stateless dialogues over pipelined connections when every step states its fields', async () => {
    const records = await drive(60, { mode: 'stateless', statelessCarry: 'fields' }, { pipelining: 3 })
    expect(records).toHaveLength(60)
    expect(records.every((r) => r.outcome === 'completed' && r.orderId !== undefined)).toBe(true)
    expect(new Set(records.map((r) => r.orderId)).size).toBe(60)
  })
})
