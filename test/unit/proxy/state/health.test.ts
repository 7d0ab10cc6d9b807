import { describe, expect, it } from 'vitest'
import { buildOptions, parseClerks } from '../../../../proxy/options.js'
import type { ProxyEvent } from '../../../../proxy/state/events.js'
import { ProxyState } from '../../../../proxy/state/proxy-state.js'

function state(rise = 2, fall = 2) {
  const s = ProxyState.fromOptions(buildOptions({ clerks: parseClerks('a=http://127.0.0.1:1,b=http://127.0.0.1:2'), healthRise: rise, healthFall: fall }))
  const events: ProxyEvent[] = []
  s.events.subscribe((e) => events.push(e))
  return { s, a: s.byId.get('a')!, events }
}

describe('the health state machine', () => {
  it('ejects a clerk after `fall` failed checks and takes it back after `rise` good ones', () => {
    const { s, a, events } = state(2, 3)
    s.health.checkResult(a, false, undefined, 'x')
    s.health.checkResult(a, false, undefined, 'x')
    expect(a.healthy).toBe(true)
    s.health.checkResult(a, false, undefined, 'x')
    expect(a.healthy).toBe(false)
    s.health.checkResult(a, true, { status: 'ready' }, 'ok')
    expect(a.healthy).toBe(false)
    s.health.checkResult(a, true, { status: 'ready' }, 'ok')
    expect(a.healthy).toBe(true)
    expect(a.info).toEqual({ status: 'ready' })
    expect(events.filter((e) => e.type === 'health').map((e) => e.healthy)).toEqual([false, true])
  })

  it('ejects at once a clerk that refused a connection, and counts a timeout towards fall', () => {
    const { s, a } = state(2, 2)
    s.health.passiveFailure(a, 'timeout', 'slow')
    expect(a.healthy).toBe(true)
    s.health.passiveFailure(a, 'refused', 'refused')
    expect(a.healthy).toBe(false)
  })

  it('tells whoever replicates the routing state of every change of health', () => {
    const { s, a } = state(1, 1)
    let changes = 0
    s.onRoutingChange = () => changes++
    s.health.checkResult(a, false, undefined, 'x')
    s.health.checkResult(a, false, undefined, 'x')
    s.health.checkResult(a, true, undefined, 'ok')
    expect(changes).toBe(2)
  })
})
