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

  it('never holds more than its cap, dropping the least recently written first', () => {
    const store = storeAt({ now: 0 }, 2)
    store.set('a', {}, noop)
    store.set('b', {}, noop)
    store.set('a', { again: true }, noop)
    store.set('c', {}, noop)
    expect(store.size).toBe(2)
    expect(read(store, 'b')).toBeNull()
    expect(read(store, 'a')).toEqual({ again: true })
  })

  it('destroys a session on request', () => {
    const store = storeAt({ now: 0 })
    store.set('a', {}, noop)
    store.destroy('a', noop)
    expect(read(store, 'a')).toBeNull()
  })
})
