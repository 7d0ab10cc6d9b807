import { describe, expect, it } from 'vitest'

// The dashboard's pure modules (plain browser ES modules, no DOM at import time) tested in Node:
// how events and stats become card state, which chaos buttons a card offers, how the stateless
// token is shown, how chart scales are picked. The browser test covers the drawing.

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the dashboard's modules are plain JavaScript, without types
type Module = any
const load = (name: string): Promise<Module> => import(new URL(`../../proxy/dashboard/static/${name}`, import.meta.url).href)

const { createClusterStore, normalizeStats } = await load('cluster-store.js')
const { clerkCondition, verbAvailability } = await load('cluster-cards.js')
const { decodeContextToken } = await load('context-token.js')
const { yScale } = await load('line-chart.js')
const { won, shorten, rate } = await load('format.js')
const { shortcutOf } = await load('shortcuts.js')

const status = {
  engine: 'undici',
  policies: { stateful: 'sticky', stateless: 'round-robin', shared: 'round-robin' },
  launcher: true,
  clerks: [
    { id: 'clerk-a', healthy: true, drained: false, inFlight: 0, pinned: 2, info: { redis: 'up', sessions: { stateful: 3 }, slowMs: 0 } },
    { id: 'clerk-b', healthy: true, drained: false, inFlight: 1, pinned: 0, info: { redis: 'up', sessions: { stateful: 0 }, slowMs: 250 } },
  ],
}

describe('the cluster store', () => {
  it('takes clerks, policies, pinned customers and held sessions from /_lb/status', () => {
    const store = createClusterStore()
    store.applyStatus(status)
    const a = store.state.clerks.get('clerk-a')
    expect(a).toMatchObject({ healthy: true, pinned: 2, sessions: 3, slowMs: 0 })
    expect(store.state.policies.stateful).toBe('sticky')
    expect(store.state.launcher).toBe(true)
    expect(store.state.redis).toEqual({ state: 'up', source: 'clerks' })
  })

  it('lets the launcher say a clerk is dead before the proxy has noticed', () => {
    const store = createClusterStore()
    store.applyStatus(status)
    store.applyClusterStatus({
      processes: [{ id: 'clerk-a', kind: 'clerk', state: 'dead', restarts: 0, slowMs: 0 }],
      redis: { state: 'running' },
    })
    const a = store.state.clerks.get('clerk-a')
    expect(a.healthy).toBe(true)
    expect(clerkCondition(a)).toEqual({ key: 'dead', text: 'dead' })
    expect(store.state.redis).toEqual({ state: 'running', source: 'launcher' })
  })

  it('turns each event into a log line, card state and a chart marker', () => {
    const store = createClusterStore()
    store.applyStatus(status)
    const at = '2026-11-22T03:00:00.000Z'
    expect(store.applyEvent({ type: 'chaos', at, verb: 'kill', target: 'clerk-b', by: 'launcher' }).text).toBe('chaos: kill clerk-b by launcher')
    expect(store.applyEvent({ type: 'health', at, clerk: 'clerk-b', healthy: false }).kind).toBe('bad')
    expect(clerkCondition(store.state.clerks.get('clerk-b'))).toEqual({ key: 'down', text: 'down' })
    store.applyEvent({ type: 'policy', at, route: 'stateful', policy: 'round-robin' })
    expect(store.state.policies.stateful).toBe('round-robin')
    expect(store.state.markers.map((m: { kind: string }) => m.kind)).toEqual(['chaos', 'health', 'policy'])
    expect(store.applyEvent({ type: 'redispatch', at, from: 'clerk-b', to: 'clerk-a' }).text).toContain('clerk-b now goes to clerk-a')
  })

  it('says in words when a clerk joins or leaves and when a clerk takes over handed dialogues', () => {
    const store = createClusterStore()
    store.applyStatus(status)
    const at = '2026-11-22T03:00:00.000Z'
    expect(store.applyEvent({ type: 'membership', at, clerk: 'clerk-d', change: 'added', by: 'launcher' })).toMatchObject({
      kind: 'good',
      text: 'clerk-d joined the cluster (by launcher)',
    })
    expect(store.applyEvent({ type: 'membership', at, clerk: 'clerk-a', change: 'removed' })).toMatchObject({ kind: 'warn', text: 'clerk-a left the cluster' })
    expect(store.applyEvent({ type: 'handoff', at, clerk: 'clerk-c', claimed: 3, total: 5 }).text).toBe('clerk-c took over 3 dialogue(s) another clerk handed over (5 so far)')
    expect(store.applyEvent({ type: 'handoff', at, clerk: 'clerk-c', failed: true, reason: 'Redis is down' }).kind).toBe('bad')
    expect(store.state.markers.map((m: { kind: string }) => m.kind)).toEqual(['recovery', 'chaos'])
  })

  it('keeps per-second stats as chart history and does not log them', () => {
    const store = createClusterStore()
    const t0 = Date.parse('2026-11-22T03:00:00.000Z')
    for (let i = 0; i < 3; i++) {
      const line = store.applyEvent({
        type: 'stats',
        at: new Date(t0 + i * 1000).toISOString(),
        clerks: [{ id: 'clerk-a', clerk: 'clerk-a', requestsPerSec: 10 + i, errorsPerSec: i, inFlight: 1, healthy: true, drained: false }],
      })
      expect(line).toBeNull()
    }
    expect(store.state.history.get('clerk-a').map((p: { rps: number }) => p.rps)).toEqual([10, 11, 12])
    expect(store.state.clerks.get('clerk-a')).toMatchObject({ rps: 12, eps: 2, inFlight: 1 })
  })

  it('drops chart points older than the window', () => {
    const store = createClusterStore()
    const t0 = Date.parse('2026-11-22T03:00:00.000Z')
    for (const seconds of [0, 100, 200]) {
      store.applyEvent({ type: 'stats', at: new Date(t0 + seconds * 1000).toISOString(), clerks: [{ id: 'clerk-a', requestsPerSec: 1 }] })
    }
    expect(store.state.history.get('clerk-a')).toHaveLength(2)
  })

  it('shows a finished load test in the log, a running one only in its panel', () => {
    const store = createClusterStore()
    const counts = { completed: 90, context_lost: 8, failed: 2 }
    expect(store.applyEvent({ type: 'loadtest', running: true, counts })).toBeNull()
    expect(store.applyEvent({ type: 'loadtest', running: false, counts }).text).toBe('load test finished: 90 completed, 8 context lost, 2 failed')
    expect(store.applyEvent({ type: 'loadtest', running: false, counts })).toBeNull()
  })
})

describe('stats events of either shape', () => {
  it('reads an array of clerks and an object keyed by clerk id alike', () => {
    const asArray = normalizeStats({ clerks: [{ clerk: 'clerk-a', requestsPerSec: 3, errorsPerSec: 0, inFlight: 2 }] })
    const asObject = normalizeStats({ clerks: { 'clerk-a': { rps: 3, eps: 0, inFlight: 2 } } })
    expect(asArray).toEqual(asObject)
    expect(asArray[0]).toMatchObject({ id: 'clerk-a', rps: 3, eps: 0, inFlight: 2 })
  })
})

describe('chaos buttons a card offers', () => {
  const cases: Array<[string, Record<string, unknown>, boolean]> = [
    ['nothing without a token', { verb: 'kill', needs: 'any', admin: false, launcher: true, processState: 'running' }, false],
    ['kill without the launcher (through the clerk admin API)', { verb: 'kill', needs: 'any', admin: true, launcher: false }, true],
    ['no pause without the launcher', { verb: 'pause', needs: 'launcher', admin: true, launcher: false }, false],
    ['revive a dead clerk', { verb: 'revive', needs: 'launcher', admin: true, launcher: true, processState: 'dead' }, true],
    ['no revive for a running clerk', { verb: 'revive', needs: 'launcher', admin: true, launcher: true, processState: 'running' }, false],
    ['no kill for a dead clerk', { verb: 'kill', needs: 'any', admin: true, launcher: true, processState: 'dead' }, false],
    ['resume a paused clerk', { verb: 'resume', needs: 'launcher', admin: true, launcher: true, processState: 'paused' }, true],
    ['drain whatever the process state', { verb: 'drain', needs: 'lb', admin: true, launcher: true, processState: 'dead' }, true],
  ]
  it.each(cases)('%s', (_name, input, allowed) => {
    expect(verbAvailability(input).allowed).toBe(allowed)
  })
})

describe('the stateless context the client carries', () => {
  it('shows the payload of a v1.<payload>.<signature> token', () => {
    const payload = Buffer.from(JSON.stringify({ step: 'ask', productId: 'laptop', iat: 1 })).toString('base64url')
    expect(decodeContextToken(`v1.${payload}.c2lnbmF0dXJl`)).toEqual({ payload: { step: 'ask', productId: 'laptop', iat: 1 }, parts: 3 })
  })

  it('calls a token it cannot read opaque instead of failing', () => {
    expect(decodeContextToken('not a token').payload).toBeNull()
    expect(decodeContextToken('').payload).toBeNull()
  })
})

describe('numbers on screen', () => {
  it('puts chart gridlines on round numbers above the highest point', () => {
    expect(yScale(4)).toEqual({ top: 4, step: 1 })
    expect(yScale(5)).toEqual({ top: 6, step: 2 })
    expect(yScale(33)).toEqual({ top: 40, step: 10 })
  })

  it('writes prices as the clerks say them and shortens tokens', () => {
    expect(won(2_000_000)).toBe('2,000,000 won')
    expect(shorten('abcdefghijklmnopqrstuvwxyz', 4, 2)).toBe('abcd…yz')
    expect(rate(undefined)).toBe('–')
    expect(rate(12.345)).toBe('12.3')
  })
})

describe('what a room sees of outcomes, recoveries and repeats (issue 14)', () => {
  const at = (s: number) => new Date(Date.parse('2026-11-22T03:00:00.000Z') + s * 1000).toISOString()

  it('keeps each mode’s outcomes per second and logs a lost context, one line per mode', () => {
    const store = createClusterStore()
    const quiet = store.applyEvent({ type: 'stats', at: at(0), clerks: [], modes: { stateful: { completed: 2, context_lost: 0, failed: 0 } } })
    expect(quiet).toBeNull()
    const lines = store.applyEvent({
      type: 'stats',
      at: at(1),
      clerks: [],
      modes: { stateful: { completed: 0, context_lost: 3, failed: 0 }, shared: { completed: 1, context_lost: 0, failed: 0 } },
    })
    expect(lines).toEqual([{ kind: 'bad', key: 'lost stateful', text: '/stateful: context lost ("2 of what?"), 3/s' }])
    expect(store.state.outcomes.get('stateful').map((p: { context_lost: number }) => p.context_lost)).toEqual([0, 3])
  })

  it('colours a revive or a Redis start as a recovery, and merges a repeated marker into "×N"', () => {
    const store = createClusterStore()
    store.applyStatus(status)
    expect(store.applyEvent({ type: 'chaos', at: at(0), verb: 'kill', target: 'clerk-a' }).kind).toBe('bad')
    expect(store.applyEvent({ type: 'chaos', at: at(1), verb: 'revive', target: 'clerk-a' }).kind).toBe('good')
    expect(store.applyEvent({ type: 'chaos', at: at(2), verb: 'start', target: 'redis' }).kind).toBe('good')
    for (let i = 0; i < 3; i++) store.applyEvent({ type: 'drain', at: at(3 + i), clerk: 'clerk-b', drained: true })
    expect(store.state.markers.filter((m: { label: string }) => m.label === 'drain clerk-b')).toEqual([expect.objectContaining({ count: 3 })])
  })

  it('gives every retry of one failing clerk the same key, so the log counts them on one line', () => {
    const store = createClusterStore()
    const one = store.applyEvent({ type: 'retry', at: at(0), from: 'clerk-b', to: 'clerk-a', reason: 'refused' })
    const two = store.applyEvent({ type: 'retry', at: at(1), from: 'clerk-b', to: 'clerk-c', reason: 'refused' })
    expect(one.key).toBe(two.key)
    expect(one.text).toBe(two.text)
  })

  it('forgets the drawn minutes on a hello, because the proxy replays them right after', () => {
    const store = createClusterStore()
    store.applyEvent({ type: 'stats', at: at(0), clerks: [{ id: 'clerk-a', requestsPerSec: 1 }], modes: { stateful: { completed: 1 } } })
    store.applyEvent({ type: 'hello', at: at(1), status })
    expect(store.state.history.size).toBe(0)
    expect(store.state.outcomes.size).toBe(0)
  })

  it('maps keys to shortcuts, but not while typing or with a modifier', () => {
    const body = { tagName: 'BODY' }
    expect(shortcutOf({ key: 'a', target: body })).toEqual({ action: 'ask' })
    expect(shortcutOf({ key: '2', target: body })).toEqual({ action: 'clerk', index: 1 })
    expect(shortcutOf({ key: 'R', target: body })).toEqual({ action: 'toggle-stateful' })
    expect(shortcutOf({ key: 'a', target: { tagName: 'INPUT' } })).toBeNull()
    expect(shortcutOf({ key: 'r', ctrlKey: true, target: body })).toBeNull()
    expect(shortcutOf({ key: 'x', target: body })).toBeNull()
  })
})
