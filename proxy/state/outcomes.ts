import { DIALOGUE_OUTCOMES, MODES, isMode, type DialogueOutcome, type Mode, type RouteKey } from '../../services/common/vocabulary.js'

/** per mode, how many answers ended each way: what the `stats` event turns into rates */
export type ModeOutcomes = Record<Mode, Record<DialogueOutcome, number>>

export function noOutcomes(): ModeOutcomes {
  return Object.fromEntries(MODES.map((mode) => [mode, Object.fromEntries(DIALOGUE_OUTCOMES.map((o) => [o, 0]))])) as ModeOutcomes
}

/**
 * What the customer's final answer on a mode's route means for the dialogue, or undefined when it
 * means nothing countable (an ask, a buy, a 4xx other than context_lost, /orders). The proxy learns
 * "context lost" from the clerk's own answer: a 409 whose body says `"error":"context_lost"` (only
 * 409 bodies are read, and they are small JSON). `path` is the request's path and query.
 */
export function outcomeOf(route: RouteKey, path: string, status: number, body?: Buffer): DialogueOutcome | undefined {
  if (!isMode(route)) return undefined
  if (status >= 500) return 'failed'
  if (status === 409 && body !== undefined && saysContextLost(body)) return 'context_lost'
  if (status >= 200 && status < 300 && isPay(path)) return 'completed'
  return undefined
}

function saysContextLost(body: Buffer): boolean {
  try {
    return (JSON.parse(body.toString('utf8')) as { error?: unknown }).error === 'context_lost'
  } catch {
    return false
  }
}

/** "/stateful/pay?x" is a pay: its last path segment is `pay` (no string made: this runs for every answer) */
function isPay(path: string): boolean {
  const q = path.indexOf('?')
  const end = q === -1 ? path.length : q
  return end === 3 ? path.startsWith('pay') : end > 3 && path.startsWith('/pay', end - 4)
}

/** adds `from` into `into` (a worker's report, in the primary) */
export function addOutcomes(into: ModeOutcomes, from: ModeOutcomes): void {
  for (const mode of MODES) for (const o of DIALOGUE_OUTCOMES) into[mode][o] += from[mode]?.[o] ?? 0
}
