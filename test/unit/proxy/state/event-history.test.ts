import { describe, expect, it } from 'vitest'
import { EventBus, HISTORY_MAX_EVENTS, HISTORY_MS } from '../../../../proxy/state/events.js'

describe('the event history a late page is replayed', () => {
  it('keeps the last HISTORY_MS of events, oldest first, never the hello, at most HISTORY_MAX_EVENTS', () => {
    let now = Date.parse('2026-01-01T10:00:00Z')
    const bus = new EventBus(() => now)
    bus.emit('policy', { route: 'stateful', policy: 'round-robin' })
    now += 60_000
    bus.emit('chaos', { verb: 'kill', target: 'clerk-b' })
    bus.publish({ type: 'hello', at: new Date(now).toISOString() })
    expect(bus.history().map((e) => e.type)).toEqual(['policy', 'chaos'])
    now += HISTORY_MS - 30_000 // the policy change is now older than the window, the kill is not
    expect(bus.history().map((e) => e.type)).toEqual(['chaos'])
    for (let i = 0; i < HISTORY_MAX_EVENTS + 10; i++) bus.emit('stats', { i })
    const kept = bus.history()
    expect(kept).toHaveLength(HISTORY_MAX_EVENTS)
    expect(kept.at(-1)).toMatchObject({ type: 'stats', i: HISTORY_MAX_EVENTS + 9 })
  })
})
