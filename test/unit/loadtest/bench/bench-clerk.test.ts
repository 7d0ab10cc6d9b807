import { EventEmitter } from 'node:events'
import type { Client, Request } from 'autocannon'
import { describe, expect, it } from 'vitest'
import { benchClerkDefaults, parseBenchClerkArguments } from '../../../../loadtest/args/bench-clerk-arguments.js'
import { benchTraffic, countDialogue, newDialogueCounters, type RoundResult } from '../../../../loadtest/bench/clerk-rounds.js'
import { cartRows, carryingVerdicts } from '../../../../loadtest/bench/cart-sweep.js'
import { failuresByMode, summarizeModes, targets } from '../../../../loadtest/bench/summaries.js'
import type { DialogueRecord } from '../../../../loadtest/run/customer.js'

const round = (mode: RoundResult['mode'], requests: number, extra: Partial<RoundResult> = {}): RoundResult => ({
  mode,
  items: 1,
  seconds: 2,
  requests,
  dialogues: requests / 3,
  wire: { sent: requests * 100, received: requests * 200 },
  p50Ms: 1,
  p99Ms: 5,
  non2xx: 0,
  errors: 0,
  clerkCpu: requests * 200e-6,
  redisCpu: requests * 10e-6,
  failures: {},
  ...extra,
})

describe('bench:clerk', () => {
  it('reads its arguments, with the defaults for what is not given', () => {
    expect(parseBenchClerkArguments([])).toEqual(benchClerkDefaults)
    expect(parseBenchClerkArguments(['--duration', '3', '--rounds', '2', '--connections', '20', '--warmup', '0'])).toEqual({
      durationSeconds: 3,
      rounds: 2,
      connections: 20,
      warmupSeconds: 0,
      items: [1],
    })
    expect(parseBenchClerkArguments(['--items', '1,5,20,50', '--json', 'cart.json'])).toMatchObject({ items: [1, 5, 20, 50], jsonFile: 'cart.json' })
    for (const bad of ['0', '1000000', 'garbage', '1,,5', '5,5']) expect(() => parseBenchClerkArguments(['--items', bad])).toThrow('--items')
    expect(() => parseBenchClerkArguments(['--duration', 'ten'])).toThrow('--duration')
    expect(() => parseBenchClerkArguments(['--fast'])).toThrow("Unknown option '--fast'; see --help")
  })

  it('sums rounds into one row per mode, with ratios to stateless and stateful', () => {
    const rows = summarizeModes([
      round('stateful', 2000),
      round('stateful', 2000),
      round('stateless', 2400),
      round('stateless', 2400),
      round('shared', 1800, { p50Ms: 2 }),
      round('shared', 1600, { p50Ms: 4 }),
    ])
    const shared = rows.find((r) => r.mode === 'shared')
    expect(shared).toMatchObject({ requestsPerSec: 850, p50Ms: 3, clerkCpuMicros: 200, redisCpuMicros: 10 })
    // per completed dialogue (3 requests each): 300 B sent, 600 B received, 3 × 210 µs of CPU
    expect(shared?.sentPerDialogue).toBeCloseTo(300)
    expect(shared?.receivedPerDialogue).toBeCloseTo(600)
    expect(shared?.cpuMsPerDialogue).toBeCloseTo(0.63)
    expect(shared?.vsStateful).toBeCloseTo(0.85)
    expect(shared?.vsStateless).toBeCloseTo(850 / 1200)
    expect(targets(rows)).toEqual([
      { what: 'shared / stateful', ratio: 0.85, goal: 0.8, met: true },
      { what: 'stateless / stateful', ratio: 1.2, goal: 0.9, met: true },
    ])
  })

  it('sweeps cart sizes: one row per size and mode, and says where carrying the cart costs more than Redis', () => {
    const rows = cartRows([
      round('stateless', 3000, { items: 1, clerkCpu: 0.1, redisCpu: 0, p50Ms: 1 }),
      round('shared', 3000, { items: 1, clerkCpu: 0.2, redisCpu: 0.1, p50Ms: 2 }),
      round('stateful', 3000, { items: 1 }),
      round('stateless', 3000, { items: 50, clerkCpu: 0.5, redisCpu: 0, p50Ms: 3 }),
      round('shared', 3000, { items: 50, clerkCpu: 0.2, redisCpu: 0.1, p50Ms: 2 }),
      round('stateful', 3000, { items: 50 }),
    ])
    expect(rows.map((r) => `${r.items} ${r.mode}`)).toEqual(['1 stateful', '1 stateless', '1 shared', '50 stateful', '50 stateless', '50 shared'])
    expect(rows.find((r) => r.items === 50 && r.mode === 'stateless')).toMatchObject({ cpuMsPerDialogue: 0.5, sentPerDialogue: 300 })
    const [small, big] = carryingVerdicts(rows)
    expect(small).toMatch(/^1 product: carrying the cart \(stateless\) costs less CPU .* is not slower at p50/)
    expect(big).toMatch(/^50 products: carrying the cart \(stateless\) costs more CPU .* 0\.50 against 0\.30 ms, and is slower at p50/)
  })

  it('lists every answer that was not a 200, per mode', () => {
    const lines = failuresByMode([round('shared', 10, { failures: { 'pay 503 redis_unavailable': 2 } }), round('shared', 10, { failures: { 'pay 503 redis_unavailable': 1 } })])
    expect(lines).toEqual(['shared: 3× pay 503 redis_unavailable'])
  })

  it('runs whole dialogues, carrying the stateless token from answer to answer', () => {
    const counters = newDialogueCounters()
    const connection = fakeConnection(benchTraffic('stateless', counters))
    expect(connection.send('ask')).toMatchObject({ path: '/stateless/ask', body: '{"product":"laptop"}' })
    connection.answer(200, '{"context":"T1"}')
    expect(JSON.parse(connection.send('buy').body)).toEqual({ context: 'T1', quantity: 2 })
    connection.answer(200, '{"context":"T2"}')
    const paid = connection.send('pay')
    expect(paid.path).toBe('/stateless/pay')
    expect(JSON.parse(paid.body)).toEqual({ context: 'T2', method: 'card' })
    expect(paid.headers['idempotency-key']).toMatch(/-1$/) // the clerk charges a dialogue once
    connection.answer(200, '{"order":{"id":"o-1","total":2000000}}')
    expect(counters).toEqual({ completed: 1, failed: 0, wire: { sent: 0, received: 0 }, failures: {} })
  })

  it('carries the session cookie in stateful and shared', () => {
    const connection = fakeConnection(benchTraffic('shared', newDialogueCounters()))
    connection.send('ask')
    connection.answer(200, '{}', { 'set-cookie': 'shared_sid=abc.def; Path=/shared; HttpOnly' })
    expect(connection.send('buy').headers.cookie).toBe('shared_sid=abc.def')
  })

  it('counts a dialogue that ended on an error by step, status and reason, and one cut by the round not at all', () => {
    const counters = newDialogueCounters()
    const connection = fakeConnection(benchTraffic('stateful', counters))
    connection.send('ask')
    connection.answer(200, '{}', { 'set-cookie': 'stateful_sid=s1; Path=/stateful' })
    connection.send('buy')
    connection.answer(409, '{"error":"context_lost"}')
    expect(counters).toEqual({ completed: 0, failed: 1, wire: { sent: 0, received: 0 }, failures: { 'buy 409 context_lost': 1 } })
    const ended = (fields: Partial<DialogueRecord>) => ({ ...fields }) as DialogueRecord
    countDialogue(counters, ended({ outcome: 'failed', step: 'pay', status: 503, reason: 'redis_unavailable' }))
    countDialogue(counters, ended({ outcome: 'unfinished', step: undefined, status: undefined, reason: 'run_ended' }))
    countDialogue(counters, ended({ outcome: 'completed', step: 'pay', status: 200, wire: { sent: 700, received: 900 } }))
    countDialogue(counters, ended({ outcome: 'no_session', step: 'buy', status: 409, reason: 'no_session', wire: { sent: 5, received: 5 } }))
    expect(counters).toEqual({
      completed: 1,
      failed: 3,
      wire: { sent: 700, received: 900 }, // only completed dialogues' bytes
      failures: { 'buy 409 context_lost': 1, 'pay 503 redis_unavailable': 1, 'buy 409 no_session': 1 },
    })
  })
})

interface Built {
  path: string
  body: string
  headers: Record<string, string>
}

/**
 * One autocannon connection played by hand, in the order autocannon 8's Client calls the hooks:
 * the first request is built before setupClient, later ones right after the `request` event;
 * `onResponse` runs right before the `response` event.
 */
function fakeConnection(traffic: ReturnType<typeof benchTraffic>) {
  const client = Object.assign(new EventEmitter(), {
    _connect() {},
    _doRequest() {},
    _resetConnection() {},
    destroy() {},
  })
  const context: object = {}
  const stepIndex = { ask: 0, buy: 1, pay: 2 } as const
  let last: Request | undefined
  let first = true
  return {
    send(step: keyof typeof stepIndex): Built {
      const request = traffic.requests[stepIndex[step]] as Request
      if (!first) client.emit('request')
      const setup = request.setupRequest as unknown as (r: Request, c: object) => Built
      const built = setup(request, context)
      if (first) {
        traffic.setupClient(client as unknown as Client)
        client.emit('request')
        first = false
      }
      last = request
      return built
    },
    answer(status: number, body: string, headers: Record<string, string> = {}): void {
      const onResponse = last?.onResponse as unknown as (s: number, b: string, c: object, h: object) => void
      onResponse(status, body, context, headers)
      client.emit('response', status, body.length, 1)
    },
  }
}
