import { describe, expect, it } from 'vitest'
import { summarize } from '../../../../loadtest/analyze/summarize.js'
import { percentText, runVerdict } from '../../../../loadtest/report/verdict.js'
import { record } from '../records.js'

const run = (records: Parameters<typeof summarize>[0]['records'], policy = 'round-robin') =>
  summarize(
    { target: 'http://127.0.0.1:1', mode: 'stateful', customers: 2, keepAlive: true, pipelining: 1, startedAt: 0, endedAt: 2000, stoppedBy: 'duration', records, chaos: [] },
    { policy },
  )

describe('a run’s verdict', () => {
  it('names the share lost and what lost it: the lecture’s headline', () => {
    const records = Array.from({ length: 10 }, (_, id) => record({ id, ...(id < 9 ? { outcome: 'context_lost' as const, step: 'buy' as const } : {}) }))
    expect(runVerdict(run(records))).toMatchObject({ headline: 'stateful + round-robin: 90 % of dialogues lost (context_lost)', tone: 'bad', cause: 'context_lost' })
  })

  it('says all completed in green, and a small loss in amber with the commonest failure reason', () => {
    expect(runVerdict(run([record({ id: 1 }), record({ id: 2 })], 'sticky'))).toMatchObject({ headline: 'stateful + sticky: all 2 dialogues completed', tone: 'good' })
    const records = [...Array.from({ length: 30 }, (_, id) => record({ id })), record({ id: 99, outcome: 'failed', step: 'pay', reason: 'ECONNRESET' })]
    expect(runVerdict(run(records))).toMatchObject({ headline: 'stateful + round-robin: 3 % of dialogues lost (failed: ECONNRESET)', tone: 'warn' })
  })

  it('counts customers who refused the cookie as lost, and names no_session when they are most of the loss', () => {
    const records = Array.from({ length: 4 }, (_, id) => record({ id, ...(id < 3 ? { outcome: 'no_session' as const, step: 'buy' as const } : {}) }))
    expect(runVerdict(run(records, 'sticky'))).toMatchObject({ headline: 'stateful + sticky: 75 % of dialogues lost (no_session)', tone: 'bad', cause: 'no_session' })
  })

  it('adds a wrong ledger to the headline and turns it red even when every dialogue completed', () => {
    const s = {
      ...run([record({ id: 1 })]),
      reconcile: {
        confirmed: 1,
        ordersInLedger: 2,
        lost: 0,
        doubled: 1,
        charged_unconfirmed: 0,
        mismatched: 0,
        lostDialogues: [],
        doubledDialogues: [1],
        chargedUnconfirmedDialogues: [],
      },
    }
    expect(runVerdict(s)).toMatchObject({ headline: 'stateful + round-robin: all 1 dialogues completed; ledger: 0 lost, 1 doubled', tone: 'bad' })
  })

  it('never writes a loss under 1 % as 0 %', () => {
    expect(percentText(0.004)).toBe('0.4 %')
    expect(percentText(0.891)).toBe('89 %')
    expect(percentText(0)).toBe('0 %')
  })
})
