import { describe, expect, it } from 'vitest'
import { exposedTo, exposureAt } from '../../../../loadtest/lb-compare/exposure.js'
import type { DialogueOutcome } from '../../../../loadtest/lb-compare/keyless-load.js'

// A stateful dialogue lives on the clerk that answered its ask: the ones open there when it is
// killed are exposed; losing one of them is the kill's doing, losing any other is the balancer's.
const KILL_AT = 4_000 // ms since the load started

function dialogue(fields: Partial<DialogueOutcome>): DialogueOutcome {
  return { end: 'completed', askedClerk: 'clerk-b', slowestMs: 10, startedMs: 3_900, askedMs: 3_950, boughtMs: 3_980, endedMs: 4_100, ...fields }
}

describe('exposure of dialogues to a kill of clerk-b', () => {
  it('is a dialogue begun before the kill, asked by clerk-b, not ended at the kill', () => {
    expect(exposedTo(dialogue({}), 'clerk-b', KILL_AT)).toBe(true)
    expect(exposedTo(dialogue({ askedClerk: 'clerk-a' }), 'clerk-b', KILL_AT)).toBe(false)
    expect(exposedTo(dialogue({ endedMs: 3_999 }), 'clerk-b', KILL_AT), 'ended before').toBe(false)
    expect(exposedTo(dialogue({ startedMs: 4_001, askedMs: 4_010, endedMs: 4_050 }), 'clerk-b', KILL_AT), 'begun after').toBe(false)
    expect(exposedTo(dialogue({ end: 'failed', askedClerk: undefined, askedMs: undefined, boughtMs: undefined }), 'clerk-b', KILL_AT), 'no ask answered').toBe(false)
  })

  it('counts the lost among the exposed apart from every other loss, and where each exposed one stood', () => {
    const outcomes = [
      dialogue({ askedMs: 4_020, boughtMs: undefined, end: 'context_lost', endedMs: 4_200 }), // its ask's answer on the way
      dialogue({ boughtMs: undefined, end: 'context_lost', endedMs: 4_300 }), // buy pending
      dialogue({ boughtMs: 4_050, end: 'context_lost' }), // buy pending, answered from elsewhere
      dialogue({ receipt: true }), // pay pending, charged there: a receipt
      dialogue({}), // pay answered before the kill, received after
      dialogue({ askedClerk: 'clerk-a', end: 'context_lost' }), // another clerk's: the balancer's loss
      dialogue({ askedClerk: undefined, end: 'failed', askedMs: undefined, boughtMs: undefined }), // its ask failed
      dialogue({ startedMs: 1_000, askedMs: 1_100, boughtMs: 1_200, endedMs: 1_300 }), // over before
    ]
    expect(exposureAt(outcomes, 'clerk-b', KILL_AT)).toEqual({
      exposed: 5,
      lostOfExposed: 3,
      otherLost: 2,
      savedByReceipt: 1,
      inStep: { ask: 1, buy: 2, pay: 2 },
    })
  })

  it('finds nothing exposed and nothing lost in a run without losses', () => {
    expect(exposureAt([dialogue({ askedClerk: 'clerk-a' })], 'clerk-b', KILL_AT)).toEqual({
      exposed: 0,
      lostOfExposed: 0,
      otherLost: 0,
      savedByReceipt: 0,
      inStep: { ask: 0, buy: 0, pay: 0 },
    })
  })
})
