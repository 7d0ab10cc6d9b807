/**
 * Carries out a run's chaos schedule (args/chaos-flags.ts reads it from the command line) through
 * the one chaos client interface (services/cluster/chaos-backends.ts: our proxy, the launcher,
 * the clerks' admin endpoints, kubectl) while the load runs. Every action is a promise started from
 * a timer: none of them blocks the event loop that sends the load. Every event is
 * stamped with the wall-clock time it was fired and answered, so the timeline marks it where it
 * happened, not where it was planned.
 *
 * @example
 *   const steps = [parseChaosFlag('kill', 'clerk-b@5s'), parseChaosFlag('revive', 'clerk-b@12s')]
 *   const schedule = startChaosSchedule(resolveSchedule(steps, 20_000), { client, startedAt: Date.now() })
 *   …
 *   const events = await schedule.finish()   // cancels what did not fire yet, waits for the rest
 */
import { ChaosError, type ChaosClient, type ChaosResult } from '../../services/cluster/chaos-client.js'
import type { ResolvedChaosStep } from '../args/chaos-flags.js'

/** a step of the schedule as it was carried out (atMs: the planned offset) */
export interface ChaosEventRecord extends Pick<ResolvedChaosStep, 'flag' | 'verb' | 'target' | 'arg' | 'text' | 'atMs'> {
  /** wall clock (ms) when the action was sent and when it was answered */
  firedAt: number
  doneAt: number
  ok: boolean
  status: number
  via: string | undefined
  error: string | undefined
}

export interface ChaosScheduleOptions {
  client: ChaosClient
  /** wall clock of the start of the run, ms */
  startedAt: number
  /** called when an event has been carried out (or failed) */
  onEvent?: (event: ChaosEventRecord) => void
  now?: () => number
}

export interface RunningChaosSchedule {
  /** events carried out so far */
  readonly events: ChaosEventRecord[]
  /** cancels events not fired yet and waits for those in progress */
  finish(): Promise<ChaosEventRecord[]>
}

/** one step through the client: a verb on a clerk or Redis, a new clerk, or N clerks */
function carryOut(client: ChaosClient, step: ResolvedChaosStep): Promise<ChaosResult> {
  if (step.verb === 'add') {
    if (client.add === undefined) throw new ChaosError(`${step.text}: this chaos backend cannot add a clerk`)
    return client.add()
  }
  if (step.verb === 'scale') {
    if (client.scale === undefined) throw new ChaosError(`${step.text}: --scale needs --orchestrator kubernetes`)
    return client.scale(step.arg ?? 1)
  }
  return client.act(step.verb, step.target, step.arg)
}

export function startChaosSchedule(steps: readonly ResolvedChaosStep[], { client, startedAt, onEvent, now = Date.now }: ChaosScheduleOptions): RunningChaosSchedule {
  const events: ChaosEventRecord[] = []
  const inProgress = new Set<Promise<void>>()
  const timers = steps.map((step) =>
    setTimeout(
      () => {
        const run = fire(step).finally(() => inProgress.delete(run))
        inProgress.add(run)
      },
      Math.max(0, startedAt + step.atMs - now()),
    ),
  )

  async function fire(step: ResolvedChaosStep): Promise<void> {
    const firedAt = now()
    const base = { flag: step.flag, verb: step.verb, target: step.target, arg: step.arg, text: step.text, atMs: step.atMs }
    let event: ChaosEventRecord
    try {
      const result = await carryOut(client, step)
      event = {
        ...base,
        firedAt,
        doneAt: now(),
        ok: result.ok,
        status: result.status,
        via: result.via,
        error: result.ok ? undefined : JSON.stringify(result.body).slice(0, 300),
      }
    } catch (err) {
      event = { ...base, firedAt, doneAt: now(), ok: false, status: 0, via: undefined, error: (err as Error).message }
    }
    events.push(event)
    onEvent?.(event)
  }

  return {
    events,
    async finish() {
      for (const timer of timers) clearTimeout(timer)
      await Promise.all([...inProgress])
      return events.sort((a, b) => a.firedAt - b.firedAt)
    },
  }
}
