import { describe, expect, it } from 'vitest'
import { latencyStats, percentile, summarize, type SummaryInput } from '../../../../loadtest/analyze/summarize.js'
import { chaosEvent, record } from '../records.js'

function run(fields: Partial<SummaryInput>): SummaryInput {
  return {
    target: 'http://127.0.0.1:1',
    mode: 'stateful',
    customers: 3,
    keepAlive: true,
    pipelining: 1,
    startedAt: 0,
    endedAt: 3000,
    stoppedBy: 'dialogues',
    records: [],
    chaos: [],
    ...fields,
  }
}

describe('percentiles', () => {
  it('take the nearest rank of the sorted values', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1)
    expect(percentile(values, 50)).toBe(50)
    expect(percentile(values, 99)).toBe(99)
    expect(percentile(values, 100)).toBe(100)
    expect(percentile([], 50)).toBe(0)
    expect(latencyStats([30, 10, 20])).toEqual({ count: 3, p50: 20, p90: 30, p99: 30, max: 30, mean: 20 })
  })
})

describe('summarize', () => {
  const records = [
    record({ id: 1, startedAt: 100, endedAt: 400 }),
    record({ id: 2, startedAt: 200, endedAt: 1200 }),
    record({
      id: 3,
      startedAt: 300,
      endedAt: 1500,
      outcome: 'context_lost',
      step: 'buy',
      status: 409,
      reason: 'context_lost',
      clerks: { ask: 'clerk-b', buy: 'clerk-a' },
      latencyMs: { ask: 5, buy: 7 },
      orderId: undefined,
      redispatched: true,
    }),
    record({
      id: 4,
      startedAt: 1600,
      endedAt: 2500,
      outcome: 'failed',
      step: 'pay',
      status: 502,
      reason: 'bad_gateway',
      clerks: { ask: 'clerk-c', buy: 'clerk-c' },
      latencyMs: { ask: 1, buy: 2, pay: 3 },
      orderId: undefined,
    }),
    record({ id: 5, startedAt: 2600, endedAt: undefined, outcome: 'unfinished', step: undefined, latencyMs: {}, clerks: {} }),
  ]

  it('counts every outcome and where the unhappy ones ended', () => {
    const s = summarize(run({ records }))
    expect(s.dialogues).toEqual({ total: 5, completed: 2, context_lost: 1, no_session: 0, failed: 1, unfinished: 1 })
    expect(s.endedAt.context_lost).toEqual({ ask: 0, buy: 1, pay: 0 })
    expect(s.endedAt.failed).toEqual({ ask: 0, buy: 0, pay: 1 })
    expect(s.failedReasons).toEqual({ bad_gateway: 1 })
    expect(s.redispatched).toBe(1)
    expect(s.lossRate).toBeCloseTo(2 / 4)
  })

  it('groups dialogues by the clerk that answered their ask', () => {
    const s = summarize(run({ records }))
    expect(s.byClerk['clerk-a']).toMatchObject({ dialogues: 2, completed: 2 })
    expect(s.byClerk['clerk-b']).toMatchObject({ dialogues: 1, context_lost: 1 })
    expect(s.byClerk['clerk-c']).toMatchObject({ dialogues: 1, failed: 1 })
    expect(s.byClerk['(none)']).toMatchObject({ dialogues: 1, unfinished: 1 })
  })

  it('puts each dialogue in the second it ended, over the time dialogues were ending', () => {
    const s = summarize(run({ records }))
    expect(s.activeMs).toBe(2500)
    expect(s.timeline.map((t) => [t.completed, t.context_lost, t.failed, t.unfinished])).toEqual([
      [1, 0, 0, 0],
      [1, 1, 0, 0],
      [0, 0, 1, 1],
    ])
    expect(s.timeline.map((t) => t.started)).toEqual([3, 1, 1])
    expect(s.dialoguesPerSec).toBe(0.8) // 2 completed in 2.5 s
  })

  it('gives latency per step from the answers that came, and of whole completed dialogues', () => {
    const s = summarize(run({ records }))
    expect(s.latencyMs.ask.count).toBe(4)
    expect(s.latencyMs.pay.count).toBe(3)
    expect(s.dialogueLatencyMs).toMatchObject({ count: 2, p50: 300, max: 1000 })
  })

  it('marks chaos events at the offset they were fired', () => {
    const s = summarize(run({ records, chaos: [chaosEvent({ firedAt: 1250, doneAt: 1300 })] }))
    expect(s.chaos).toEqual([{ text: '--kill clerk-b@1s', verb: 'kill', target: 'clerk-b', offsetMs: 1250, tookMs: 50, ok: true, error: undefined }])
  })

  it('finds the dialogues pinned to a killed clerk and open at the kill, and whether they were lost', () => {
    const pinned = [
      // pinned to clerk-b, open across the kill, lost
      record({ id: 1, startedAt: 500, endedAt: 1400, outcome: 'context_lost', step: 'buy', clerks: { ask: 'clerk-b' } }),
      // pinned to clerk-b, finished between firing and acknowledgement: may have made it
      record({ id: 2, startedAt: 600, endedAt: 1050, clerks: { ask: 'clerk-b', buy: 'clerk-b', pay: 'clerk-b' } }),
      // pinned to clerk-b but finished before the kill: not exposed
      record({ id: 3, startedAt: 100, endedAt: 900, clerks: { ask: 'clerk-b' } }),
      // open across the kill but with clerk-a: not exposed
      record({ id: 4, startedAt: 500, endedAt: 1500 }),
      // lost without being exposed
      record({ id: 5, startedAt: 1200, endedAt: 1600, outcome: 'failed', step: 'ask', clerks: {} }),
      // pinned to clerk-b and paid there; the answer died with it, a receipt on clerk-c saved the pay
      record({ id: 6, startedAt: 700, endedAt: 1300, receipt: true, redispatched: true, clerks: { ask: 'clerk-b', buy: 'clerk-b', pay: 'clerk-c' } }),
    ]
    const s = summarize(run({ records: pinned, chaos: [chaosEvent({ firedAt: 1000, doneAt: 1100 })] }))
    expect(s.exposure).toEqual([
      {
        text: '--kill clerk-b@1s',
        target: 'clerk-b',
        offsetMs: 1000,
        exposed: 3,
        exposedLost: 1,
        openAfterAck: 2,
        openAfterAckLost: 1,
        receipted: 1,
        otherLost: 1,
      },
    ])
  })

  it('computes no exposure for chaos that kills nobody or failed', () => {
    const s = summarize(run({ records, chaos: [chaosEvent({ verb: 'slow', text: '--slow clerk-b:300@1s' }), chaosEvent({ ok: false })] }))
    expect(s.exposure).toEqual([])
  })

  it('labels a run by mode and policy unless told otherwise', () => {
    expect(summarize(run({}), { policy: 'sticky' }).label).toBe('stateful + sticky')
    expect(summarize(run({}), { label: 'row 1' }).label).toBe('row 1')
    expect(summarize(run({})).timeline).toHaveLength(3)
  })
})

describe('the cost of a dialogue', () => {
  it('bytes: the mean of completed dialogues measured on the wire; lost ones (fewer steps) do not count', () => {
    const s = summarize(
      run({
        records: [
          record({ id: 1, wire: { sent: 1000, received: 2000 } }),
          record({ id: 2, wire: { sent: 1001, received: 2002 } }),
          record({ id: 3, outcome: 'context_lost', step: 'buy', wire: { sent: 10, received: 20 } }),
          record({ id: 4 }), // not measured
        ],
      }),
    )
    expect(s.wire).toEqual({ dialogues: 2, sentPerDialogue: 1001, receivedPerDialogue: 2001 })
    expect(summarize(run({ records: [record({ id: 1 })] })).wire).toBeUndefined()
  })

  it('CPU: ms per completed dialogue, the clerks added up, the launcher left out', () => {
    const records = [record({ id: 1 }), record({ id: 2 }), record({ id: 3, outcome: 'failed' })]
    const s = summarize(run({ records }), { cpuSeconds: { launcher: 5, 'clerk-a': 0.01, 'clerk-b': 0.03, proxy: 0.02, redis: 0.001 } })
    expect(s.cpuMsPerDialogue).toEqual({ clerks: 20, proxy: 10, redis: 0.5 })
    expect(summarize(run({ records })).cpuMsPerDialogue).toBeUndefined()
  })
})
