/**
 * The chaos schedule of a run: parsed from the command line (`--kill clerk-b@5s`,
 * `--slow clerk-b:300@5s`, `--redis-stop@8s`, `--revive clerk-b@66%`), resolved to offsets from the
 * start of the run, then carried out through the one chaos client (services/cluster/chaos-client.ts)
 * while the load runs. Every event is stamped with the wall-clock time it was fired and answered,
 * so the timeline marks it where it happened, not where it was planned.
 *
 * @example
 *   const steps = [parseChaosFlag('kill', 'clerk-b@5s'), parseChaosFlag('revive', 'clerk-b@12s')]
 *   const schedule = startChaosSchedule(resolveSchedule(steps, 20_000), { client, startedAt: Date.now() })
 *   …
 *   const events = await schedule.finish()   // cancels what did not fire yet, waits for the rest
 */
import type { ChaosClient } from '../services/cluster/chaos-client.js'
import { CLERK_VERBS, type ChaosVerb } from '../services/common/vocabulary.js'
import { parseDurationMs } from './durations.js'
import { badChaos } from './errors.js'

/** command-line flags that schedule chaos, in the order the usage text lists them */
export const CHAOS_FLAGS = [...CLERK_VERBS, 'redis-stop', 'redis-start'] as const
export type ChaosFlag = (typeof CHAOS_FLAGS)[number]

export type ChaosTime = { ms: number } | { fraction: number }

export interface ChaosStep {
  flag: ChaosFlag
  verb: ChaosVerb
  /** a clerk id, or `redis` */
  target: string
  /** slow: ms per answer */
  arg: number | undefined
  at: ChaosTime
  /** as written, e.g. `--kill clerk-b@5s` */
  text: string
}

export interface ResolvedChaosStep extends ChaosStep {
  /** offset from the start of the run, ms */
  atMs: number
}

export interface ChaosEventRecord {
  flag: ChaosFlag
  verb: ChaosVerb
  target: string
  arg: number | undefined
  text: string
  /** planned offset from the start of the run, ms */
  atMs: number
  /** wall clock (ms) when the action was sent and when it was answered */
  firedAt: number
  doneAt: number
  ok: boolean
  status: number
  via: string | undefined
  error: string | undefined
}

function parseTime(text: string, written: string): ChaosTime {
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(text)
  if (percent) {
    const fraction = Number(percent[1]) / 100
    if (fraction > 1) throw badChaos(`${written}: a share of the run must be at most 100%, got ${text}`)
    return { fraction }
  }
  const ms = parseDurationMs(text)
  if (ms === undefined) {
    throw badChaos(`${written}: "${text}" is not a time; write it like 5s, 500ms, 1.5s or 33%`)
  }
  return { ms }
}

/**
 * One chaos flag and its value: `clerk-b@5s` (kill, terminate, pause, resume, revive),
 * `clerk-b:300@5s` (slow: 300 ms per answer), `5s` or `@5s` (redis-stop, redis-start).
 */
export function parseChaosFlag(flag: ChaosFlag, value: string): ChaosStep {
  const written = `--${flag} ${value}`
  if (flag === 'redis-stop' || flag === 'redis-start') {
    const time = value.startsWith('@') ? value.slice(1) : value
    return {
      flag,
      verb: flag === 'redis-stop' ? 'stop' : 'start',
      target: 'redis',
      arg: undefined,
      at: parseTime(time, written),
      text: `--${flag}@${time}`,
    }
  }
  const at = value.lastIndexOf('@')
  if (at <= 0) throw badChaos(`${written}: write the clerk and the time, like --${flag} clerk-b@5s`)
  let target = value.slice(0, at)
  const time = parseTime(value.slice(at + 1), written)
  let arg: number | undefined
  if (flag === 'slow') {
    const match = /^([^:]+):(\d+)$/.exec(target)
    if (!match) throw badChaos(`${written}: write the clerk, the delay in ms and the time, like --slow clerk-b:300@5s`)
    target = match[1] as string
    arg = Number(match[2])
    if (arg > 60_000) throw badChaos(`${written}: a clerk can be slowed by at most 60000 ms, got ${arg}`)
  }
  if (!/^[a-z0-9][a-z0-9_-]{0,62}$/i.test(target)) {
    throw badChaos(`${written}: "${target}" is not a clerk id (letters, digits, "-" or "_")`)
  }
  return { flag, verb: flag, target, arg, at: time, text: written }
}

/** Turns shares of the run into offsets and sorts by time; a share needs a run duration. */
export function resolveSchedule(steps: readonly ChaosStep[], durationMs: number | undefined): ResolvedChaosStep[] {
  return steps
    .map((step) => {
      if ('ms' in step.at) return { ...step, atMs: step.at.ms }
      if (durationMs === undefined) {
        throw badChaos(`${step.text}: a time given as a share of the run needs --duration`)
      }
      return { ...step, atMs: Math.round(step.at.fraction * durationMs) }
    })
    .sort((a, b) => a.atMs - b.atMs)
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

export function startChaosSchedule(
  steps: readonly ResolvedChaosStep[],
  { client, startedAt, onEvent, now = Date.now }: ChaosScheduleOptions,
): RunningChaosSchedule {
  const events: ChaosEventRecord[] = []
  const inProgress = new Set<Promise<void>>()
  const timers = steps.map((step) =>
    setTimeout(() => {
      const run = fire(step).finally(() => inProgress.delete(run))
      inProgress.add(run)
    }, Math.max(0, startedAt + step.atMs - now())),
  )

  async function fire(step: ResolvedChaosStep): Promise<void> {
    const firedAt = now()
    const base = { flag: step.flag, verb: step.verb, target: step.target, arg: step.arg, text: step.text, atMs: step.atMs }
    let event: ChaosEventRecord
    try {
      const result = await client.act(step.verb, step.target, step.arg)
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
