import { afterEach, describe, expect, it } from 'vitest'
import { MemorySessionStore } from '../../../services/clerk/modes/memory-session-store.js'

const stores: MemorySessionStore[] = []
afterEach(() => stores.splice(0).forEach((s) => s.close()))

function storeAt(clock: { now: number }, maxEntries = 100) {
  const store = new MemorySessionStore({ ttlMs: 1000, maxEntries, now: () => clock.now })
  stores.push(store)
  return store
}

function read(store: MemorySessionStore, id: string): Record<string, unknown> | null | undefined {
  let value: Record<string, unknown> | null | undefined
  store.get(id, (_err, session) => (value = session))
  return value
}

const noop = () => {}

describe('the stateful memory session store', () => {
  it('gives back a copy of what was stored, not the live object', () => {
    const store = storeAt({ now: 0 })
    const session = { dialogue: { step: 'ask' } }
    store.set('a', session, noop)
    session.dialogue = { step: 'changed later' }
    expect(read(store, 'a')).toEqual({ dialogue: { step: 'ask' } })
  })

  it('forgets a session after its lifetime, on read and on sweep', () => {
    const clock = { now: 0 }
    const store = storeAt(clock)
    store.set('a', { n: 1 }, noop)
    store.set('b', { n: 2 }, noop)
    clock.now = 1000
    expect(read(store, 'a')).toBeNull()
    expect(store.sweep()).toBe(1)
    expect(store.size).toBe(0)
  })

  it('never holds more than its cap, and refuses a new session rather than drop a live one', () => {
    const clock = { now: 0 }
    const store = storeAt(clock, 2)
    store.set('a', {}, noop)
    clock.now = 300
    store.set('b', {}, noop)
    let refused: Error | null | undefined
    store.set('c', {}, (err) => (refused = err))
    expect(refused).toMatchObject({ code: 'CLERK_ERR_SESSIONS_FULL', statusCode: 503, retryAfterSeconds: 1 })
    expect(store.size).toBe(2)
    expect(read(store, 'a')).toEqual({})
    expect(read(store, 'b')).toEqual({})
    // a session already stored is always updated
    let updated: Error | null | undefined = null
    store.set('a', { again: true }, (err) => (updated = err))
    expect(updated).toBeUndefined()
    expect(read(store, 'a')).toEqual({ again: true })
  })

  it('lets a new session take the place of the oldest finished one, or of an expired one', () => {
    const clock = { now: 0 }
    const store = new MemorySessionStore({ ttlMs: 1000, maxEntries: 2, isFinished: (d) => d.paid === true, now: () => clock.now })
    stores.push(store)
    store.set('paid', { paid: true }, noop)
    store.set('live', { paid: false }, noop)
    store.set('new', {}, noop)
    expect(read(store, 'paid')).toBeNull()
    expect(read(store, 'live')).toEqual({ paid: false })
    expect(read(store, 'new')).toEqual({})
    clock.now = 1000 // both expired: no sweep needed to make room
    let err: Error | null | undefined = null
    store.set('later', {}, (e) => (err = e))
    expect(err).toBeUndefined()
    expect(read(store, 'later')).toEqual({})
  })

  it('destroys a session on request', () => {
    const store = storeAt({ now: 0 })
    store.set('a', {}, noop)
    store.destroy('a', noop)
    expect(read(store, 'a')).toBeNull()
  })
})
