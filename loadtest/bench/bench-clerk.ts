import '../../services/common/supported-node.js'
import autocannon from 'autocannon'
import Table from 'cli-table3'
import { MODES, type Mode } from '../../services/common/vocabulary.js'
import type { DialogueRecord } from '../dialogue-record.js'
import { dialogueRequests, type DialogueTraffic } from '../dialogue-requests.js'
import { isMain } from '../is-main.js'
import { readCpuSeconds } from '../proc-cpu.js'
import { startRedisServer } from '../../services/common/redis-server.js'
import { startBenchClerks, stopAll } from './bench-processes.js'

/**
 * `npm run bench:clerk`: one real clerk process per mode (stateful, stateless, shared), one real
 * redis-server (shared sessions and the ledger every pay writes to), and autocannon running WHOLE
 * dialogues ask → buy → pay on every connection, carrying the session cookie or the stateless
 * context token from answer to answer. Modes take turns in rounds so a noisy machine hurts them
 * alike. Prints requests/s, p50/p99, dialogues/s and each mode's ratio to stateless and stateful.
 *
 *   npm run bench:clerk -- --duration 4 --rounds 3 --connections 50
 */
export interface BenchArguments {
  /** seconds per mode per round */
  durationSeconds: number
  rounds: number
  connections: number
  /** seconds of unmeasured traffic per clerk before the first round */
  warmupSeconds: number
}

export const benchDefaults: Readonly<BenchArguments> = Object.freeze({
  durationSeconds: 4, // s
  rounds: 3,
  connections: 50, // enough to keep one clerk busy while some requests wait on Redis
  warmupSeconds: 2, // s
})

const USAGE = 'usage: bench-clerk [--duration S] [--rounds N] [--connections N] [--warmup S]'

export function parseArguments(argv: string[]): BenchArguments {
  const args: BenchArguments = { ...benchDefaults }
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]
    const value = argv[i + 1]
    const whole = (name: string, min: number, max: number) => {
      const n = Number(value)
      if (!Number.isInteger(n) || n < min || n > max) {
        throw new Error(`${name} must be a whole number from ${min} to ${max}, got "${value}"\n${USAGE}`)
      }
      i++
      return n
    }
    if (flag === '--duration') args.durationSeconds = whole('--duration', 1, 120)
    else if (flag === '--rounds') args.rounds = whole('--rounds', 1, 20)
    else if (flag === '--connections') args.connections = whole('--connections', 1, 1000)
    else if (flag === '--warmup') args.warmupSeconds = whole('--warmup', 0, 60)
    else if (flag === '--help' || flag === '-h') throw new Error(USAGE)
    else throw new Error(`unknown argument "${flag}"\n${USAGE}`)
  }
  return args
}

// ---------------------------------------------------------------------------------------------
// Whole dialogues: loadtest/dialogue-requests.ts drives them (cookies, the stateless token, the
// pay's Idempotency-Key, one record per dialogue); here we only count how they ended.

export interface DialogueCounters {
  completed: number
  failed: number
  /** dialogues that ended on an answer other than a confirmed order, by "step status reason",
   *  e.g. "buy 409 context_lost", "pay 0 timeout" */
  failures: Record<string, number>
}

export function newDialogueCounters(): DialogueCounters {
  return { completed: 0, failed: 0, failures: {} }
}

/** pure: one ended dialogue into the counters; one cut by the end of the round is not a failure */
export function countDialogue(counters: DialogueCounters, record: DialogueRecord): void {
  if (record.outcome === 'completed') counters.completed++
  else if (record.outcome === 'failed' || record.outcome === 'context_lost') {
    counters.failed++
    const key = `${record.step ?? '?'} ${record.status ?? 0} ${record.reason ?? ''}`
    counters.failures[key] = (counters.failures[key] ?? 0) + 1
  }
}

/** the autocannon traffic of one round: whole dialogues in `mode`, each counted when it ends */
export function benchTraffic(mode: Mode, counters: DialogueCounters): DialogueTraffic {
  return dialogueRequests({
    mode,
    // no proxy stands between autocannon and the clerk to retry an ask or a buy: only pay needs its key
    retrySafeSteps: false,
    onDialogue: (record) => countDialogue(counters, record),
  })
}

// ---------------------------------------------------------------------------------------------
// Measuring (I/O) and summarizing (pure).

export interface RoundResult {
  mode: Mode
  seconds: number
  /** CPU seconds the clerk process spent in this round */
  clerkCpu: number
  /** CPU seconds redis-server spent in this round */
  redisCpu: number
  requests: number
  dialogues: number
  p50Ms: number
  p99Ms: number
  non2xx: number
  errors: number
  failures: Record<string, number>
}

async function runRound(
  mode: Mode,
  url: string,
  seconds: number,
  connections: number,
  pids: { clerk?: number; redis?: number },
): Promise<RoundResult> {
  const counters = newDialogueCounters()
  const traffic = benchTraffic(mode, counters)
  const known = Object.fromEntries(Object.entries(pids).filter((e): e is [string, number] => e[1] !== undefined))
  const before = readCpuSeconds(known)
  const result = await autocannon({
    url,
    connections,
    pipelining: 1, // a step needs the previous answer's cookie or token
    duration: seconds,
    requests: traffic.requests,
    setupClient: traffic.setupClient,
  })
  traffic.closeOpen() // dialogues cut by the end of the round: neither completed nor failed
  const after = readCpuSeconds(known)
  const used = (name: 'clerk' | 'redis') => (after[name] ?? 0) - (before[name] ?? after[name] ?? 0)
  return {
    mode,
    seconds,
    clerkCpu: used('clerk'),
    redisCpu: used('redis'),
    requests: result.requests.total,
    dialogues: counters.completed,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    failures: counters.failures,
  }
}

export interface ModeSummary {
  mode: Mode
  requestsPerSec: number
  dialoguesPerSec: number
  p50Ms: number
  p99Ms: number
  non2xx: number
  errors: number
  /** CPU the clerk spent per request, µs */
  clerkCpuMicros: number
  /** CPU redis-server spent per request, µs */
  redisCpuMicros: number
  vsStateless: number
  vsStateful: number
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

/** pure: rounds → one row per mode (throughput over all rounds, median latencies, ratios) */
export function summarize(rounds: RoundResult[]): ModeSummary[] {
  const base = MODES.map((mode) => {
    const mine = rounds.filter((r) => r.mode === mode)
    const seconds = mine.reduce((sum, r) => sum + r.seconds, 0)
    const requests = mine.reduce((sum, r) => sum + r.requests, 0)
    const perRequest = (cpu: number) => (requests === 0 ? 0 : (cpu / requests) * 1e6)
    return {
      mode,
      requestsPerSec: seconds === 0 ? 0 : mine.reduce((sum, r) => sum + r.requests, 0) / seconds,
      dialoguesPerSec: seconds === 0 ? 0 : mine.reduce((sum, r) => sum + r.dialogues, 0) / seconds,
      p50Ms: median(mine.map((r) => r.p50Ms)),
      p99Ms: median(mine.map((r) => r.p99Ms)),
      non2xx: mine.reduce((sum, r) => sum + r.non2xx, 0),
      errors: mine.reduce((sum, r) => sum + r.errors, 0),
      clerkCpuMicros: perRequest(mine.reduce((sum, r) => sum + r.clerkCpu, 0)),
      redisCpuMicros: perRequest(mine.reduce((sum, r) => sum + r.redisCpu, 0)),
    }
  })
  const rate = (mode: Mode) => base.find((b) => b.mode === mode)?.requestsPerSec ?? 0
  const ratio = (x: number, y: number) => (y === 0 ? 0 : x / y)
  return base.map((b) => ({
    ...b,
    vsStateless: ratio(b.requestsPerSec, rate('stateless')),
    vsStateful: ratio(b.requestsPerSec, rate('stateful')),
  }))
}

/** the targets: shared ≥ 0.8× stateful, stateless ≥ 0.9× stateful */
export function targets(rows: ModeSummary[]): Array<{ what: string; ratio: number; goal: number; met: boolean }> {
  const of = (mode: Mode) => rows.find((r) => r.mode === mode)?.vsStateful ?? 0
  return [
    { what: 'shared / stateful', ratio: of('shared'), goal: 0.8, met: of('shared') >= 0.8 },
    { what: 'stateless / stateful', ratio: of('stateless'), goal: 0.9, met: of('stateless') >= 0.9 },
  ]
}

/** pure: every answer other than 200, summed per mode over the rounds */
export function failuresByMode(rounds: RoundResult[]): string[] {
  const lines: string[] = []
  for (const mode of MODES) {
    const sums: Record<string, number> = {}
    for (const r of rounds.filter((x) => x.mode === mode)) {
      for (const [key, n] of Object.entries(r.failures)) sums[key] = (sums[key] ?? 0) + n
    }
    const parts = Object.entries(sums).map(([key, n]) => `${n}× ${key}`)
    if (parts.length > 0) lines.push(`${mode}: ${parts.join(', ')}`)
  }
  return lines
}

export function renderReport(rows: ModeSummary[], args: BenchArguments, failures: string[] = []): string {
  const table = new Table({
    head: [
      'mode', 'requests/s', 'dialogues/s', 'p50 ms', 'p99 ms', '× stateless', '× stateful',
      'clerk CPU µs/req', 'redis CPU µs/req', 'non-2xx', 'errors',
    ],
    style: { head: [] },
  })
  for (const r of rows) {
    table.push([
      r.mode, r.requestsPerSec.toFixed(0), r.dialoguesPerSec.toFixed(0), r.p50Ms.toFixed(1), r.p99Ms.toFixed(1),
      r.vsStateless.toFixed(2), r.vsStateful.toFixed(2), r.clerkCpuMicros.toFixed(0), r.redisCpuMicros.toFixed(0),
      String(r.non2xx), String(r.errors),
    ])
  }
  const goals = targets(rows).map(
    (t) => `${t.met ? 'met ' : 'MISS'}  ${t.what} = ${t.ratio.toFixed(2)} (target ≥ ${t.goal})`,
  )
  return [
    `bench:clerk: one clerk per mode, whole dialogues (ask → buy → pay), ${args.connections} connections,` +
      ` ${args.rounds} round(s) × ${args.durationSeconds} s per mode`,
    table.toString(),
    ...goals,
    ...failures.map((line) => `not 200: ${line}`),
  ].join('\n')
}

// ---------------------------------------------------------------------------------------------
// Wiring: Redis, one clerk per mode (bench-processes.ts), rounds, report.

export async function main(argv: string[]): Promise<void> {
  const args = parseArguments(argv)
  const redis = await startRedisServer({ appendOnly: true })
  try {
    const started = await startBenchClerks(MODES.map((mode) => `bench-${mode}`), redis.url)
    const clerks = new Map(MODES.map((mode, i) => [mode, started[i]!] as const))
    try {
      const measure = (mode: Mode, seconds: number) => {
        const clerk = clerks.get(mode)!
        return runRound(mode, clerk.url, seconds, args.connections, { clerk: clerk.child.pid, redis: redis.pid() })
      }
      if (args.warmupSeconds > 0) {
        for (const mode of MODES) await measure(mode, args.warmupSeconds)
      }
      const rounds: RoundResult[] = []
      for (let round = 0; round < args.rounds; round++) {
        // rotate the order, so no mode always runs right after the same neighbour
        const order = MODES.map((_, i) => MODES[(i + round) % MODES.length] as Mode)
        for (const mode of order) {
          const result = await measure(mode, args.durationSeconds)
          process.stderr.write(
            `round ${round + 1}/${args.rounds} ${mode.padEnd(9)} ${(result.requests / result.seconds).toFixed(0)} req/s\n`,
          )
          rounds.push(result)
        }
      }
      process.stdout.write(`${renderReport(summarize(rounds), args, failuresByMode(rounds))}\n`)
    } finally {
      await stopAll(started.map((c) => c.child))
    }
  } finally {
    await redis.stop()
  }
}

if (isMain(import.meta.url)) {
  main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`bench:clerk: ${(err as Error).message}\n`)
    process.exit(1)
  })
}
