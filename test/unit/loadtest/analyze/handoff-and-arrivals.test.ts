import { describe, expect, it } from 'vitest'
import { summarize, type SummaryInput } from '../../../../loadtest/analyze/summarize.js'
import { matrixChaos, matrixRows } from '../../../../loadtest/run/run-matrix.js'
import { chaosEvent, record } from '../records.js'

function run(fields: Partial<SummaryInput>): SummaryInput {
  return {
    target: 'http://127.0.0.1:1',
    mode: 'stateful',
    customers: 3,
    keepAlive: true,
    pipelining: 1,
    startedAt: 0,
    endedAt: 4000,
    stoppedBy: 'duration',
    records: [],
    chaos: [],
    ...fields,
  }
}

describe('handed-over dialogues and clerks that join, in the summary', () => {
  it('counts a stateful dialogue that finished on another clerk than its ask as handed over, and says what the proxy counted', () => {
    const records = [
      record({ id: 1, clerks: { ask: 'clerk-b', buy: 'clerk-a', pay: 'clerk-a' } }), // parked by clerk-b, claimed by clerk-a
      record({ id: 2, clerks: { ask: 'clerk-b', buy: 'clerk-b', pay: 'clerk-c' } }),
      record({ id: 3, clerks: { ask: 'clerk-b', buy: 'clerk-a' }, outcome: 'context_lost', step: 'buy', status: 409 }), // a kill: nothing to claim
      record({ id: 4 }),
    ]
    const s = summarize(run({ records }), { proxyHandoffs: 2 })
    expect(s.handedOver).toBe(2)
    expect(s.proxyHandoffs).toBe(2)
    expect(summarize(run({ records })).proxyHandoffs).toBeUndefined()
  })

  it('shows a clerk that joins mid-run taking only new customers, and completions per clerk per second', () => {
    const records = [
      record({ id: 1, startedAt: 100, endedAt: 500 }),
      record({ id: 2, startedAt: 2100, endedAt: 2600, clerks: { ask: 'clerk-d', buy: 'clerk-d', pay: 'clerk-d' } }),
      record({ id: 3, startedAt: 2200, endedAt: 3500, clerks: { ask: 'clerk-d', buy: 'clerk-d', pay: 'clerk-d' } }),
    ]
    const s = summarize(run({ records, chaos: [chaosEvent({ verb: 'add', target: 'clerks', text: '--add-clerk@2s', firedAt: 2000, doneAt: 2050 })] }))
    expect(s.clerkArrivals['clerk-d']).toEqual({ firstAskSecond: 2, dialogues: 2, startedElsewhere: 0 })
    expect(s.clerkArrivals['clerk-a']).toEqual({ firstAskSecond: 0, dialogues: 1, startedElsewhere: 0 })
    expect(s.timeline.map((t) => t.completedByClerk)).toEqual([{ 'clerk-a': 1 }, {}, { 'clerk-d': 1 }, { 'clerk-d': 1 }])
  })
})

describe('the matrix rows', () => {
  it('has a terminate and a kill row for stateful + sticky + handoff, at the same moment, and keyless rows', () => {
    const handoff = matrixRows('handoff')
    expect(handoff.map((r) => [r.mode, r.policy, r.leaves])).toEqual([
      ['stateful', 'sticky', 'terminate'],
      ['stateful', 'sticky', 'kill'],
    ])
    expect(matrixChaos('clerk-b', 'terminate').map((s) => s.text)).toEqual(['--terminate clerk-b@33%', '--revive clerk-b@66%'])
    expect(matrixChaos('clerk-b', 'kill').map((s) => s.text)).toEqual(['--kill clerk-b@33%', '--revive clerk-b@66%'])
    expect(matrixRows('no keys').map((r) => [r.mode, r.keys])).toEqual([
      ['stateless', false],
      ['shared', false],
    ])
    expect(() => matrixRows('nothing-like-this')).toThrow(/--only nothing-like-this: no row's label contains it/)
  })
})

describe('the matrix’s per-connection rows (issue 15: a kept-alive connection is not a session)', () => {
  it('run stateful pinned per connection, kept alive and closed, with no crash', () => {
    expect(matrixRows('per-connection').map((r) => [r.policy, r.keepAlive ?? true, r.calm])).toEqual([
      ['per-connection', true, true],
      ['per-connection', false, true],
    ])
  })
})
