import { describe, expect, it } from 'vitest'
import {
  benchDefaults,
  dialogueRequests,
  failuresByMode,
  parseArguments,
  summarize,
  targets,
  type RoundResult,
} from '../../../loadtest/bench/bench-clerk.js'

const round = (mode: RoundResult['mode'], requests: number, extra: Partial<RoundResult> = {}): RoundResult => ({
  mode, seconds: 2, requests, dialogues: requests / 3, p50Ms: 1, p99Ms: 5, non2xx: 0, errors: 0,
  clerkCpu: requests * 200e-6, redisCpu: requests * 10e-6, failures: {}, ...extra,
})

describe('bench:clerk', () => {
  it('reads its arguments, with the defaults for what is not given', () => {
    expect(parseArguments([])).toEqual(benchDefaults)
    expect(parseArguments(['--duration', '3', '--rounds', '2', '--connections', '20', '--warmup', '0'])).toEqual({
      durationSeconds: 3, rounds: 2, connections: 20, warmupSeconds: 0,
    })
    expect(() => parseArguments(['--duration', 'ten'])).toThrow('--duration')
    expect(() => parseArguments(['--fast'])).toThrow('unknown argument')
  })

  it('sums rounds into one row per mode, with ratios to stateless and stateful', () => {
    const rows = summarize([
      round('stateful', 2000), round('stateful', 2000),
      round('stateless', 2400), round('stateless', 2400),
      round('shared', 1800, { p50Ms: 2 }), round('shared', 1600, { p50Ms: 4 }),
    ])
    const shared = rows.find((r) => r.mode === 'shared')
    expect(shared).toMatchObject({ requestsPerSec: 850, p50Ms: 3, clerkCpuMicros: 200, redisCpuMicros: 10 })
    expect(shared?.vsStateful).toBeCloseTo(0.85)
    expect(shared?.vsStateless).toBeCloseTo(850 / 1200)
    expect(targets(rows)).toEqual([
      { what: 'shared / stateful', ratio: 0.85, goal: 0.8, met: true },
      { what: 'stateless / stateful', ratio: 1.2, goal: 0.9, met: true },
    ])
  })

  it('lists every answer that was not a 200, per mode', () => {
    const lines = failuresByMode([
      round('shared', 10, { failures: { 'pay 503 redis_unavailable': 2 } }),
      round('shared', 10, { failures: { 'pay 503 redis_unavailable': 1 } }),
    ])
    expect(lines).toEqual(['shared: 3× pay 503 redis_unavailable'])
  })

  it('runs whole dialogues, carrying the stateless token from answer to answer', () => {
    const counters = { completed: 0, failed: 0, failures: {} }
    const [ask, buy, pay] = dialogueRequests('stateless', counters)
    const context: Record<string, unknown> = {}
    type Setup = (r: object, c: object) => { body: string; path: string }
    type OnResponse = (status: number, body: string, c: object, headers: object) => void
    expect((ask?.setupRequest as unknown as Setup)(ask ?? {}, context).body).toBe('{"product":"laptop"}')
    ;(ask?.onResponse as unknown as OnResponse)(200, '{"context":"T1"}', context, {})
    expect(JSON.parse((buy?.setupRequest as unknown as Setup)(buy ?? {}, context).body)).toEqual({ context: 'T1', quantity: 2 })
    ;(buy?.onResponse as unknown as OnResponse)(200, '{"context":"T2"}', context, {})
    const paid = (pay?.setupRequest as unknown as Setup)(pay ?? {}, context)
    expect(paid.path).toBe('/stateless/pay')
    expect(JSON.parse(paid.body)).toEqual({ context: 'T2', method: 'card' })
    ;(pay?.onResponse as unknown as OnResponse)(200, '{}', context, {})
    expect(counters.completed).toBe(1)
  })

  it('carries the session cookie in stateful and shared', () => {
    const counters = { completed: 0, failed: 0, failures: {} }
    const [ask, buy] = dialogueRequests('shared', counters)
    const context: Record<string, unknown> = {}
    ;(ask?.onResponse as unknown as (s: number, b: string, c: object, h: object) => void)(
      200, '{}', context, { 'set-cookie': 'shared_sid=abc.def; Path=/shared; HttpOnly' },
    )
    const setup = buy?.setupRequest as unknown as (r: object, c: object) => { headers: Record<string, string> }
    expect(setup(buy ?? {}, context).headers.cookie).toBe('shared_sid=abc.def')
  })
})
