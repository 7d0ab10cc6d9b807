import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitFor } from '../../../services/common/wait-for.js'
import { ADMIN_TOKEN, HandoffCluster, Shopper, getJson } from './handoff-cluster.js'

// Clerks join and leave a running proxy (POST /_lb/clerks, DELETE /_lb/clerks/:id) while
// customers shop in every mode: nothing acknowledged is lost, no dialogue fails.
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` }
let cluster: HandoffCluster

beforeAll(async () => {
  cluster = await HandoffCluster.start(['clerk-a', 'clerk-b'])
}, 120_000)
afterAll(async () => {
  await cluster?.stop()
})

async function lb(method: string, path: string, body?: unknown, headers: Record<string, string> = admin): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(cluster.base + path, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  })
  return { status: res.status, json: (await res.json()) as Record<string, unknown> }
}

async function clerkIds(): Promise<string[]> {
  return ((await getJson(`${cluster.base}/_lb/status`)).clerks as { id: string }[]).map((c) => c.id)
}

describe('adding and removing clerks: bad input changes nothing', () => {
  it('refuses, each with a sentence: no token, a taken id, a taken address, a bad id or url, an unknown clerk, the last clerk', async () => {
    const before = await clerkIds()
    const a = cluster.clerk('clerk-a')
    const cases: [string, string, unknown, number, string][] = [
      ['POST', '/_lb/clerks', { id: 'clerk-z', url: 'http://127.0.0.1:1' }, 401, 'unauthorized'],
      ['POST', '/_lb/clerks', { id: 'clerk-a', url: 'http://127.0.0.1:1' }, 409, 'conflict'],
      ['POST', '/_lb/clerks', { id: 'clerk-z', url: a.url }, 409, 'conflict'],
      ['POST', '/_lb/clerks', { id: 'Clerk-Z', url: 'http://127.0.0.1:1' }, 400, 'bad_request'],
      ['POST', '/_lb/clerks', { id: 'clerk-z', url: 'ftp://127.0.0.1:1' }, 400, 'bad_request'],
      ['POST', '/_lb/clerks', { id: 'clerk-z', url: 'http://127.0.0.1:1/path' }, 400, 'bad_request'],
      ['POST', '/_lb/clerks', { id: 'clerk-z', url: 'http://127.0.0.1:1', weight: 2 }, 400, 'bad_request'],
      ['POST', '/_lb/clerks', [1], 400, 'bad_request'],
      ['DELETE', '/_lb/clerks/clerk-nobody', undefined, 404, 'not_found'],
      ['PUT', '/_lb/clerks/clerk-a', undefined, 405, 'method_not_allowed'],
    ]
    for (const [method, path, body, status, code] of cases) {
      const answer = await lb(method, path, body, status === 401 ? {} : admin)
      expect(answer.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(status)
      expect(answer.json.error).toBe(code)
      expect(typeof answer.json.message).toBe('string')
    }
    expect(await clerkIds()).toEqual(before)
  })
})

describe('clerks that join and leave while customers shop', () => {
  it('a new clerk takes new customers; a removed one (stopped first: its stateful dialogues handed over) fails no dialogue in any mode', async () => {
    const modes = ['stateful', 'stateless', 'shared'] as const
    const shoppers = modes.flatMap((mode) => Array.from({ length: 6 }, () => ({ mode, shopper: new Shopper(cluster.base) })))
    const failures: string[] = []
    const orders: string[] = []
    const servedBy = new Set<string>()
    let dialogues = 0
    let phase = 0 // customers keep shopping until the membership changes are done (bounded: 200 dialogues each)
    const play = async ({ mode, shopper }: (typeof shoppers)[number]) => {
      for (let round = 0; round < 200 && (phase < 2 || round < 3); round++) {
        let context: unknown
        for (const [step, line] of [
          ['ask', { product: 'laptop' }],
          ['buy', { quantity: 2 }],
          ['pay', { method: 'card' }],
        ] as const) {
          const body = mode === 'stateless' && context !== undefined ? { ...line, context } : line
          const answer = await shopper.post(`/${mode}/${step}`, body)
          if (answer.clerk !== null) servedBy.add(answer.clerk)
          if (answer.status !== 200) {
            failures.push(`${mode} ${step}: ${answer.status} ${JSON.stringify(answer.json)}`)
            break
          }
          context = answer.json.context
          if (step === 'pay') orders.push((answer.json.order as { id: string }).id)
        }
        dialogues++
      }
    }
    const playing = Promise.all(shoppers.map(play))

    await waitFor(async () => dialogues >= shoppers.length, { what: 'every customer shopping', timeoutMs: 60_000 })
    const c = await cluster.startClerk('clerk-c')
    const added = await lb('POST', '/_lb/clerks', { id: 'clerk-c', url: c.url })
    expect(added.status).toBe(201)
    await waitFor(async () => servedBy.has('clerk-c'), { what: 'clerk-c serving customers', timeoutMs: 60_000 })

    // removal as `npm run chaos -- remove` does it: drain, stop (the handoff), deregister
    expect((await lb('POST', '/_lb/clerks/clerk-a/drain')).status).toBe(200)
    expect(await cluster.clerk('clerk-a').service.signal('SIGTERM')).toBe(0)
    const removed = await lb('DELETE', '/_lb/clerks/clerk-a')
    expect(removed.status).toBe(200)
    expect(removed.json.clerks).toEqual(['clerk-b', 'clerk-c'])
    const servedBefore = dialogues
    phase = 2
    await playing
    expect(failures).toEqual([])
    expect(dialogues).toBeGreaterThan(servedBefore)

    // nothing acknowledged is lost: every order a customer was given is in the ledger
    for (const id of orders) {
      const res = await fetch(`${cluster.base}/orders/${id}`, { signal: AbortSignal.timeout(5_000) })
      expect(res.status, id).toBe(200)
    }
    expect(new Set(orders).size).toBe(orders.length)
    const status = await getJson(`${cluster.base}/_lb/status`)
    expect((status.clerks as { id: string }[]).map((x) => x.id)).toEqual(['clerk-b', 'clerk-c'])

    // the last clerk cannot go
    expect((await lb('DELETE', '/_lb/clerks/clerk-b')).status).toBe(200)
    const last = await lb('DELETE', '/_lb/clerks/clerk-c')
    expect(last.status).toBe(409)
    expect(last.json.message).toContain('last clerk')
  })
})
