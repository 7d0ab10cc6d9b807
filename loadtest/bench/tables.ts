/**
 * The benchmarks' tables on stdout: bench:clerk's rows per mode (cli-table3) and bench:proxy's
 * rows per target (plain aligned text). Renders bench/summaries.ts' rows, never computes them.
 *
 * @example
 *   process.stdout.write(`${renderModesTable(summarizeModes(rounds), options, failuresByMode(rounds))}\n`)
 */
import Table from 'cli-table3'
import type { BenchClerkOptions } from '../args/bench-clerk-arguments.js'
import type { BenchProxyOptions, LoadGeneratorName } from '../args/bench-proxy-arguments.js'
import { targets, type ModeSummary, type Row } from './summaries.js'

/** bench:clerk's table: one row per mode, then the targets met or missed and what was not a 200 */
export function renderModesTable(rows: readonly ModeSummary[], args: BenchClerkOptions, failures: readonly string[] = []): string {
  const table = new Table({
    head: [
      'mode',
      'requests/s',
      'dialogues/s',
      'p50 ms',
      'p99 ms',
      '× stateless',
      '× stateful',
      'clerk CPU µs/req',
      'redis CPU µs/req',
      'B/dialogue sent+recv',
      'CPU ms/dialogue',
      'non-2xx',
      'errors',
    ],
    style: { head: [] },
  })
  for (const r of rows) {
    table.push([
      r.mode,
      r.requestsPerSec.toFixed(0),
      r.dialoguesPerSec.toFixed(0),
      r.p50Ms.toFixed(1),
      r.p99Ms.toFixed(1),
      r.vsStateless.toFixed(2),
      r.vsStateful.toFixed(2),
      r.clerkCpuMicros.toFixed(0),
      r.redisCpuMicros.toFixed(0),
      `${r.sentPerDialogue.toFixed(0)}+${r.receivedPerDialogue.toFixed(0)}`,
      r.cpuMsPerDialogue.toFixed(2),
      String(r.non2xx),
      String(r.errors),
    ])
  }
  const goals = targets(rows).map((t) => `${t.met ? 'met ' : 'MISS'}  ${t.what} = ${t.ratio.toFixed(2)} (target ≥ ${t.goal})`)
  return [
    `bench:clerk: one clerk per mode, whole dialogues (ask → buy → pay), ${args.connections} connections,` + ` ${args.rounds} round(s) × ${args.durationSeconds} s per mode`,
    table.toString(),
    ...goals,
    ...failures.map((line) => `not 200: ${line}`),
  ].join('\n')
}

/** bench:proxy's table: one row per target, aligned in plain text */
export function renderTargetsTable(rows: readonly Row[], args: BenchProxyOptions, generator: LoadGeneratorName = 'autocannon'): string {
  const f = (n: number | undefined, digits = 0) => (n === undefined ? '-' : n.toFixed(digits))
  const header = ['target', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'CPU µs/req', '× HAProxy req/s', '× HAProxy CPU/req']
  const lines = rows.map((r) => [
    r.name,
    f(r.requestsPerSec),
    f(r.p50Ms, 1),
    f(r.p99Ms, 1),
    String(r.errors + r.non2xx),
    f(r.cpuMicrosPerRequest, 1),
    f(r.throughputVsHaproxy, 2),
    f(r.cpuVsHaproxy, 2),
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)))
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')
  return [
    `POST /stateless/ask with ${generator}, ${args.connections} connections, ${args.durationSeconds} s each in ${args.sliceSeconds}-s slices taking turns, ${args.clerks} clerks, same machine`,
    fmt(header),
    fmt(widths.map((w) => '-'.repeat(w))),
    ...lines.map(fmt),
  ].join('\n')
}
