import { afterEach, describe, expect, it } from 'vitest'
import { waitFor } from '../../../services/common/wait-for.js'
import { HandoffCluster, Shopper, getJson } from './handoff-cluster.js'

// A stateful clerk that leaves: with a handoff (SIGTERM, the default CLERK_HANDOFF=redis) its
// customers finish their dialogues on another clerk; killed (SIGKILL), or without the handoff,
// every unfinished dialogue pinned to it is lost ("2 of what?", 409 context_lost).
const CUSTOMERS = 24

let cluster: HandoffCluster | undefined
afterEach(async () => {
  await cluster?.stop()
  cluster = undefined
})

/** every customer asks and buys, sticky: about a third of them are pinned to each clerk */
async function customersMidDialogue(base: string): Promise<Shopper[]> {
  const shoppers = Array.from({ length: CUSTOMERS }, () => new Shopper(base))
  for (const s of shoppers) {
    expect((await s.post('/stateful/ask', { product: 'laptop' })).status).toBe(200)
    expect((await s.post('/stateful/buy', { quantity: 2 })).status).toBe(200)
  }
  return shoppers
}

/** everyone pays; returns how many dialogues ended in context_lost, and the other failures */
async function everyonePays(shoppers: Shopper[]): Promise<{ lost: number; paid: number; other: string[] }> {
  const answers = await Promise.all(shoppers.map((s) => s.post('/stateful/pay', { method: 'card' })))
  const lost = answers.filter((a) => a.status === 409 && a.json.error === 'context_lost').length
  const paid = answers.filter((a) => a.status === 200).length
  const other = answers.filter((a) => a.status !== 200 && !(a.status === 409 && a.json.error === 'context_lost')).map((a) => `${a.status} ${JSON.stringify(a.json)}`)
  return { lost, paid, other }
}

/** how many live dialogues each clerk holds (its /readyz) */
async function sessionsOf(cluster: HandoffCluster, id: string): Promise<number> {
  const readyz = await getJson(`${cluster.clerk(id).url}/readyz`)
  return (readyz.sessions as { stateful: number }).stateful
}

describe('a stateful clerk that leaves mid-dialogue', () => {
  it('SIGTERM with the handoff: every customer pinned to it pays on another clerk (0 lost), each dialogue claimed once', async () => {
    cluster = await HandoffCluster.start(['clerk-a', 'clerk-b', 'clerk-c'])
    const shoppers = await customersMidDialogue(cluster.base)
    const onB = await sessionsOf(cluster, 'clerk-b')
    expect(onB, 'round-robin pinned some customers to clerk-b').toBeGreaterThan(0)

    expect(await cluster.clerk('clerk-b').service.signal('SIGTERM')).toBe(0)
    const result = await everyonePays(shoppers)
    expect(result.other).toEqual([])
    expect(result.lost).toBe(0)
    expect(result.paid).toBe(CUSTOMERS)

    const claimed = await Promise.all(['clerk-a', 'clerk-c'].map(async (id) => ((await getJson(`${cluster!.clerk(id).url}/readyz`)).handoff as { claimed: number }).claimed))
    expect(claimed[0]! + claimed[1]!, 'every dialogue clerk-b held was claimed, once').toBe(onB)
    // the proxy reads the clerks' counts from their /readyz: in its status and /metrics
    await waitFor(async () => ((await getJson(`${cluster!.base}/_lb/status`)).counters as { handoffs: number }).handoffs === onB, {
      what: `the proxy counting ${onB} handoffs`,
      timeoutMs: 30_000,
    })
    const metrics = await (await fetch(`${cluster.base}/metrics`)).text()
    expect(metrics).toMatch(/proxy_handoffs_total\{clerk="clerk-a"\} \d+/)
  })

  it('SIGKILL: no chance to hand anything over, every unfinished dialogue pinned to it is lost', async () => {
    cluster = await HandoffCluster.start(['clerk-a', 'clerk-b', 'clerk-c'])
    const shoppers = await customersMidDialogue(cluster.base)
    const onB = await sessionsOf(cluster, 'clerk-b')
    expect(onB).toBeGreaterThan(0)

    await cluster.clerk('clerk-b').service.signal('SIGKILL')
    const result = await everyonePays(shoppers)
    expect(result.other).toEqual([])
    expect(result.lost).toBe(onB)
    expect(result.paid).toBe(CUSTOMERS - onB)
  })

  it('SIGTERM without the handoff (CLERK_HANDOFF=off): lost like a kill', async () => {
    cluster = await HandoffCluster.start(['clerk-a', 'clerk-b', 'clerk-c'], { clerkEnv: { CLERK_HANDOFF: 'off' } })
    const shoppers = await customersMidDialogue(cluster.base)
    const onB = await sessionsOf(cluster, 'clerk-b')
    expect(onB).toBeGreaterThan(0)

    expect(await cluster.clerk('clerk-b').service.signal('SIGTERM')).toBe(0)
    const result = await everyonePays(shoppers)
    expect(result.lost).toBe(onB)
  })

  it('SIGTERM while dialogues are in flight: no step of any dialogue fails or loses its context', async () => {
    cluster = await HandoffCluster.start(['clerk-a', 'clerk-b', 'clerk-c'])
    const shoppers = Array.from({ length: CUSTOMERS }, () => new Shopper(cluster!.base))
    const failures: string[] = []
    let steps = 0
    // each customer plays whole dialogues in a loop (bounded: 6 each) while clerk-b leaves
    const play = async (s: Shopper) => {
      for (let round = 0; round < 6; round++) {
        for (const [step, body] of [
          ['ask', { product: 'laptop' }],
          ['buy', { quantity: 2 }],
          ['pay', { method: 'card' }],
        ] as const) {
          const answer = await s.post(`/stateful/${step}`, body)
          steps++
          if (answer.status !== 200) failures.push(`${step}: ${answer.status} ${JSON.stringify(answer.json)}`)
        }
      }
    }
    const playing = Promise.all(shoppers.map(play))
    // leave once the customers are well into their dialogues (a condition, not a sleep)
    const deadline = Date.now() + 30_000
    while (steps < CUSTOMERS * 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5))
    expect(await cluster.clerk('clerk-b').service.signal('SIGTERM')).toBe(0)
    await playing
    expect(failures).toEqual([])
    expect(steps).toBe(CUSTOMERS * 6 * 3)
  })
})
