import { describe, expect, it } from 'vitest'
import { readParked } from '../../../services/clerk/handoff.js'
import { MemorySessionStore } from '../../../services/clerk/modes/memory-session-store.js'

function get(store: MemorySessionStore, id: string): Promise<unknown> {
  return new Promise((resolve, reject) => store.get(id, (err, session) => (err ? reject(err as Error) : resolve(session))))
}
function set(store: MemorySessionStore, id: string, data: object): Promise<void> {
  return new Promise((resolve, reject) => store.set(id, data, (err) => (err ? reject(err) : resolve())))
}

const isFinished = (data: Record<string, unknown>) => (data.dialogue as { step?: string } | undefined)?.step === 'pay'

describe('the memory store and the handoff hooks', () => {
  it('lists only live sessions, with the time each has left', async () => {
    let now = 1000
    const store = new MemorySessionStore({ ttlMs: 500, maxEntries: 10, isFinished, now: () => now })
    await set(store, 'live', { dialogue: { step: 'buy' } })
    await set(store, 'paid', { dialogue: { step: 'pay' } })
    now = 1200
    expect([...store.live()]).toEqual([{ id: 'live', data: { dialogue: { step: 'buy' } }, ttlMs: 300 }])
    now = 1600
    expect([...store.live()]).toEqual([])
    store.close()
  })

  it('on a miss, takes in what the claim hook returns, once; without the hook a miss stays a miss', async () => {
    const store = new MemorySessionStore({ ttlMs: 10_000, maxEntries: 10, isFinished })
    expect(await get(store, 's1')).toBeNull()
    const parked = new Map([['s1', { dialogue: { step: 'buy' } }]])
    store.hooks.claim = async (id) => {
      const data = parked.get(id) ?? null
      parked.delete(id)
      return data
    }
    expect(await get(store, 's1')).toEqual({ dialogue: { step: 'buy' } })
    expect(store.size).toBe(1)
    // now held here: the claim is not asked again
    store.hooks.claim = async () => {
      throw new Error('asked twice')
    }
    expect(await get(store, 's1')).toEqual({ dialogue: { step: 'buy' } })
    store.close()
  })

  it('a claim that fails is a miss, not an error (stateful mode works without Redis)', async () => {
    const store = new MemorySessionStore({ ttlMs: 10_000, maxEntries: 10 })
    store.hooks.claim = async () => {
      throw new Error('Redis is down')
    }
    expect(await get(store, 'x')).toBeNull()
    store.close()
  })

  it('passes every write to the write-through hook while it is set, and answers only after it', async () => {
    const store = new MemorySessionStore({ ttlMs: 10_000, maxEntries: 10 })
    const written: string[] = []
    store.hooks.writeThrough = async (id) => {
      written.push(id)
    }
    await set(store, 'a', { dialogue: { step: 'ask' } })
    expect(written).toEqual(['a'])
    store.close()
  })
})

describe('readParked', () => {
  it('reads what a clerk parks, and refuses anything else', () => {
    expect(readParked('{"from":"clerk-a","session":{"dialogue":{}}}')).toEqual({ from: 'clerk-a', session: { dialogue: {} } })
    for (const bad of ['', 'null', '[]', '{"from":1,"session":{}}', '{"from":"a","session":[]}', '{"from":"a"}', '{not json']) {
      expect(readParked(bad), bad).toBeNull()
    }
  })
})
