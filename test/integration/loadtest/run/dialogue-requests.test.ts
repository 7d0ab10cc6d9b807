import autocannon from 'autocannon'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readTimeWait } from '../../../../loadtest/analyze/tcp-states.js'
import type { DialogueRecord } from '../../../../loadtest/run/customer.js'
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
    const before = readTimeWait(cluster.proxyPort)
    const records = await drive(30, { mode: 'stateless', keepAlive: false })
    const after = readTimeWait(cluster.proxyPort)
    expect(records.every((r) => r.outcome === 'completed')).toBe(true)
    if (before && after) expect(after.port - before.port).toBeGreaterThanOrEqual(90) // 30 dialogues × 3 answers
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

  it('carries stateless dialogues over pipelined connections when every step states its fields', async () => {
    const records = await drive(60, { mode: 'stateless', statelessCarry: 'fields' }, { pipelining: 3 })
    expect(records).toHaveLength(60)
    expect(records.every((r) => r.outcome === 'completed' && r.orderId !== undefined)).toBe(true)
    expect(new Set(records.map((r) => r.orderId)).size).toBe(60)
  })
})
