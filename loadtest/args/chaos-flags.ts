/**
 * The chaos flags of `npm run loadtest`, read from the command line into a schedule:
 * `--kill clerk-b@5s`, `--slow clerk-b:300@5s`, `--redis-stop@8s`, `--revive clerk-b@66%`,
 * `--add-clerk@3s`, `--remove clerk-d@8s`, `--scale 5@10s` (Kubernetes), then resolved to offsets
 * from the start of the run (run/chaos-schedule.ts carries them out).
 *
 * @example
 *   const steps = [parseChaosFlag('kill', 'clerk-b@5s'), parseChaosFlag('revive', 'clerk-b@66%')]
 *   resolveSchedule(steps, 20_000)   // [{ verb: 'kill', atMs: 5000, … }, { verb: 'revive', atMs: 13200, … }]
 */
import type { ChaosAction } from '../../services/cluster/chaos-client.js'
import { CLERK_VERBS } from '../../services/common/vocabulary.js'
import { badChaos } from '../errors.js'
import { isClerkId, parseDurationMs } from './readers.js'

/**
 * command-line flags that schedule chaos, in the order the usage text lists them: the clerk verbs,
 * then Redis, then membership (a new clerk; the clerk Deployment's size on Kubernetes)
 */
export const CHAOS_FLAGS = [...CLERK_VERBS, 'redis-stop', 'redis-start', 'add-clerk', 'scale'] as const
export type ChaosFlag = (typeof CHAOS_FLAGS)[number]

/** what a step does: a chaos verb on a clerk or Redis, `add` (a new clerk), `scale` (N clerk pods) */
export type ScheduledVerb = ChaosAction

/** the most clerks `--scale` asks for (a run here has at most 26 clerks: clerk-a … clerk-z) */
export const MAX_SCALE = 100

export type ChaosTime = { ms: number } | { fraction: number }

export interface ChaosStep {
  flag: ChaosFlag
  verb: ScheduledVerb
  /** a clerk id, `redis`, or `clerks` (add, scale) */
  target: string
  /** slow: ms per answer; scale: the number of clerks */
  arg: number | undefined
  at: ChaosTime
  /** as written, e.g. `--kill clerk-b@5s` */
  text: string
}

export interface ResolvedChaosStep extends ChaosStep {
  /** offset from the start of the run, ms */
  atMs: number
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
 * `clerk-b:300@5s` (slow: 300 ms per answer), `5s` or `@5s` (redis-stop, redis-start, add-clerk),
 * `5@10s` (scale: 5 clerks at 10 s).
 */
export function parseChaosFlag(flag: ChaosFlag, value: string): ChaosStep {
  const written = `--${flag} ${value}`
  if (flag === 'add-clerk') {
    const time = value.startsWith('@') ? value.slice(1) : value
    return { flag, verb: 'add', target: 'clerks', arg: undefined, at: parseTime(time, written), text: `--add-clerk@${time}` }
  }
  if (flag === 'scale') {
    const match = /^(\d+)@(.+)$/.exec(value)
    if (!match) throw badChaos(`${written}: write the number of clerks and the time, like --scale 5@10s`)
    const replicas = Number(match[1])
    if (replicas < 1 || replicas > MAX_SCALE) {
      throw badChaos(`${written}: scale to 1 to ${MAX_SCALE} clerks, got ${replicas} (to stop every clerk, delete the Deployment)`)
    }
    return { flag, verb: 'scale', target: 'clerks', arg: replicas, at: parseTime(match[2] as string, written), text: written }
  }
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
  if (!isClerkId(target)) {
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
