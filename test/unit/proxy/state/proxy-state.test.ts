import { describe, expect, it } from 'vitest'
import { buildOptions, parseClerks } from '../../../../proxy/options.js'
import { ProxyState } from '../../../../proxy/state/proxy-state.js'
import type { ProxyEvent } from '../../../../proxy/state/events.js'

function state(rise = 2, fall = 2) {
  const s = ProxyState.fromOptions(buildOptions({ clerks: parseClerks('a=http://127.0.0.1:1,b=http://127.0.0.1:2'), healthRise: rise, healthFall: fall }))
  const events: ProxyEvent[] = []
  s.events.subscribe((e) => events.push(e))
  return { s, a: s.byId.get('a')!, events }
}

describe('the proxy state', () => {
  it('ejects a clerk after `fall` failed checks and takes it back after `rise` good ones', () => {
    const { s, a, events } = state(2, 3)
    s.checkResult(a, false, undefined, 'x')
    s.checkResult(a, false, undefined, 'x')
    expect(a.healthy).toBe(true)
    s.checkResult(a, false, undefined, 'x')
    expect(a.healthy).toBe(false)
    s.checkResult(a, true, { status: 'ready' }, 'ok')
    expect(a.healthy).toBe(false)
    s.checkResult(a, true, { status: 'ready' }, 'ok')
    expect(a.healthy).toBe(true)
    expect(a.info).toEqual({ status: 'ready' })
    expect(events.filter((e) => e.type === 'health').map((e) => e.healthy)).toEqual([false, true])
  })

  it('ejects at once a clerk that refused a connection, and counts a timeout towards fall', () => {
    const { s, a } = state(2, 2)
    s.passiveFailure(a, 'timeout', 'slow')
    expect(a.healthy).toBe(true)
    s.passiveFailure(a, 'refused', 'refused')
    expect(a.healthy).toBe(false)
  })

  it('counts answers, failures, retries and redispatches into the status', () => {
    const { s, a, events } = state()
    const b = s.byId.get('b')!
    s.answered(a, 200, 0.002)
    s.answered(a, 503, 0.001)
    s.attemptFailed(a, { kind: 'reset', mayHaveBeenSent: true, code: 'ECONNRESET', reason: 'r' }, 502)
    s.retried(a, b, 'reset')
    s.redispatched(a, b)
    s.pinned(b)
    s.unrouted(503)
    const status = s.status()
    expect(status.clerks[0]).toMatchObject({ id: 'a', requests: 3, errors: 2, retries: 1, redispatches: 1, pinned: 0 })
    expect(status.clerks[1]).toMatchObject({ id: 'b', pinned: 1 })
    expect(status.counters).toEqual({ requests: 4, errors: 3, retries: 1, redispatches: 1 })
    expect(events.map((e) => e.type)).toEqual(['retry', 'redispatch'])
    expect(events[0]).toMatchObject({ from: 'a', to: 'b', reason: 'reset' })
  })

  it('adds up what cluster workers report, in-flight per worker', () => {
    const { s, a } = state()
    const delta = { requests: 5, errors: 1, pinned: 2, inFlight: 3, byStatus: [[200, 5]] as [number, number][], errorsByReason: [], latency: { counts: new Array(15).fill(0), sum: 0.5, count: 5 } }
    s.mergeDelta(1, { a: delta }, { requests: 0, errors: 0 })
    s.mergeDelta(2, { a: { ...delta, inFlight: 4 } }, { requests: 1, errors: 1 })
    expect(a).toMatchObject({ requests: 10, errors: 2, pinned: 4, inFlight: 7 })
    s.forgetWorker(2)
    expect(a.inFlight).toBe(3)
  })
})
