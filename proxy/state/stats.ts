import { DIALOGUE_OUTCOMES, MODES } from '../../services/common/vocabulary.js'
import type { Counters } from './counters.js'
import type { EventBus } from './events.js'
import { noOutcomes, type ModeOutcomes } from './outcomes.js'
import type { Upstream } from './upstream.js'

/**
 * Every `intervalMs`, a `stats` event with per-clerk requests/s, errors/s and in-flight, and per
 * mode the dialogue outcomes/s (completed, context_lost, failed), read from the counters (in the
 * cluster primary: as the workers reported them). Returns the stop.
 */
export function startStats(upstreams: readonly Upstream[], counters: Counters, events: EventBus, intervalMs: number): () => void {
  let last = new Map(upstreams.map((u) => [u.id, { requests: u.counters.requests, errors: u.counters.errors }]))
  let lastOutcomes = copyOutcomes(counters.outcomes)
  let lastAt = Date.now()
  const timer = setInterval(() => {
    const now = Date.now()
    const seconds = Math.max(0.001, (now - lastAt) / 1000)
    const next = new Map<string, { requests: number; errors: number }>()
    let requestsPerSec = 0
    let errorsPerSec = 0
    let inFlight = 0
    const clerks = upstreams.map((u) => {
      const { requests, errors } = u.counters
      const before = last.get(u.id) ?? { requests: 0, errors: 0 }
      next.set(u.id, { requests, errors })
      const r = round((requests - before.requests) / seconds)
      const e = round((errors - before.errors) / seconds)
      requestsPerSec += r
      errorsPerSec += e
      inFlight += u.inFlight
      return { id: u.id, clerk: u.id, requestsPerSec: r, errorsPerSec: e, inFlight: u.inFlight, openStreams: u.openStreams, healthy: u.healthy, drained: u.drained }
    })
    const outcomes = copyOutcomes(counters.outcomes)
    const modes = noOutcomes()
    for (const mode of MODES) for (const o of DIALOGUE_OUTCOMES) modes[mode][o] = round((outcomes[mode][o] - lastOutcomes[mode][o]) / seconds)
    last = next
    lastOutcomes = outcomes
    lastAt = now
    events.emit('stats', { clerks, modes, totals: { requestsPerSec: round(requestsPerSec), errorsPerSec: round(errorsPerSec), inFlight } })
  }, intervalMs)
  timer.unref()
  return () => clearInterval(timer)
}

function copyOutcomes(outcomes: ModeOutcomes): ModeOutcomes {
  const copy = noOutcomes()
  for (const mode of MODES) copy[mode] = { ...outcomes[mode] }
  return copy
}

/** one decimal */
function round(n: number): number {
  return Math.round(n * 10) / 10
}
