/**
 * Which dialogues a chaos event could cost, and which it did. A stateful dialogue lives in the
 * memory of the clerk that answered its ask; when that clerk is killed, the dialogues it held
 * open at that moment are *exposed*: no balancer can finish them, except the one whose pay the
 * clerk had already charged (a receipt) or answered (the answer still on its way). How many are
 * exposed depends on where each customer happened to be at that instant, not on the balancer; what
 * the balancer decides is how many of the exposed it loses, and that it loses nothing else.
 *
 * Pure: it reads the outcomes keyless-load.ts recorded (their clock: ms since the load started).
 *
 * @example
 *   exposureAt(outcomes, 'clerk-b', 4_000)
 *   // { exposed: 5, lostOfExposed: 4, otherLost: 0, savedByReceipt: 1, inStep: { ask: 0, buy: 3, pay: 2 } }
 */
import type { DialogueOutcome } from './keyless-load.js'

export interface Exposure {
  /** dialogues begun before the event, whose ask `clerk` answered, not ended at the event */
  exposed: number
  /** of those, the ones that did not complete (context_lost or failed) */
  lostOfExposed: number
  /** dialogues that did not complete among all the others: the balancer's own losses */
  otherLost: number
  /** exposed dialogues completed by a pay answered from a receipt */
  savedByReceipt: number
  /** where each exposed dialogue stood at the event: its ask's answer on the way, buy or pay pending */
  inStep: { ask: number; buy: number; pay: number }
}

/** was this dialogue open on `clerk` at `atMs` (ms since the load started)? */
export function exposedTo(o: DialogueOutcome, clerk: string, atMs: number): boolean {
  return o.askedClerk === clerk && o.startedMs < atMs && o.endedMs > atMs
}

export function exposureAt(outcomes: readonly DialogueOutcome[], clerk: string, atMs: number): Exposure {
  const result: Exposure = { exposed: 0, lostOfExposed: 0, otherLost: 0, savedByReceipt: 0, inStep: { ask: 0, buy: 0, pay: 0 } }
  for (const o of outcomes) {
    const lost = o.end !== 'completed'
    if (!exposedTo(o, clerk, atMs)) {
      if (lost) result.otherLost++
      continue
    }
    result.exposed++
    if (lost) result.lostOfExposed++
    if (o.receipt === true) result.savedByReceipt++
    const step = o.askedMs === undefined || o.askedMs > atMs ? 'ask' : o.boughtMs === undefined || o.boughtMs > atMs ? 'buy' : 'pay'
    result.inStep[step]++
  }
  return result
}
