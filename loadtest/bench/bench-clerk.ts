/**
 * `npm run bench:clerk`: one real clerk process per mode (stateful, stateless, shared), one real
 * redis-server (shared sessions and the ledger every pay writes to), and autocannon running WHOLE
 * dialogues ask → buy → pay on every connection, carrying the session cookie or the stateless
 * context token from answer to answer. Modes take turns in rounds so a noisy machine hurts them
 * alike. Prints requests/s, p50/p99, dialogues/s and each mode's ratio to stateless and stateful.
 * Only wires: args/ reads, bench/clerk-rounds.ts measures, bench/summaries.ts adds up,
 * bench/tables.ts prints.
 *
 *   npm run bench:clerk -- --duration 4 --rounds 3 --connections 50
 */
import '../../services/common/supported-node.js'
import { mkdirSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { dirname } from 'node:path'
import { startRedisServer } from '../../services/common/redis-server.js'
import { MODES, type Mode } from '../../services/common/vocabulary.js'
import { parseBenchClerkArguments } from '../args/bench-clerk-arguments.js'
import { readCommandLine, runIfMain } from '../args/command-line.js'
import { benchClerkUsage } from '../args/usage.js'
import { startBenchClerks, stopAll, type BenchClerk } from './bench-processes.js'
import { renderCartSweepHtml } from './cart-sweep-html.js'
import { cartRows, cartSweepReport, carryingVerdicts, renderCartTable } from './cart-sweep.js'
import { runRound, type RoundResult } from './clerk-rounds.js'
import { failuresByMode, summarizeModes } from './summaries.js'
import { renderModesTable } from './tables.js'

export async function main(argv: readonly string[]): Promise<number> {
  const options = readCommandLine('bench:clerk', argv, parseBenchClerkArguments, benchClerkUsage)
  if (typeof options === 'number') return options
  const redis = await startRedisServer({ appendOnly: true })
  try {
    const started = await startBenchClerks(
      MODES.map((mode) => `bench-${mode}`),
      redis.url,
    )
    const clerks = new Map(MODES.map((mode, i) => [mode, started[i] as BenchClerk] as const))
    try {
      const measure = (mode: Mode, seconds: number, items: number) => {
        const clerk = clerks.get(mode) as BenchClerk
        return runRound(mode, clerk.url, seconds, options.connections, { clerk: clerk.child.pid, redis: redis.pid() }, items)
      }
      if (options.warmupSeconds > 0) {
        for (const mode of MODES) await measure(mode, options.warmupSeconds, options.items[0] ?? 1)
      }
      const rounds: RoundResult[] = []
      for (const items of options.items) {
        const sized: RoundResult[] = []
        for (let round = 0; round < options.rounds; round++) {
          // rotate the order, so no mode always runs right after the same neighbour
          const order = MODES.map((_, i) => MODES[(i + round) % MODES.length] as Mode)
          for (const mode of order) {
            const result = await measure(mode, options.durationSeconds, items)
            process.stderr.write(`${items} item(s) round ${round + 1}/${options.rounds} ${mode.padEnd(9)} ${(result.requests / result.seconds).toFixed(0)} req/s\n`)
            sized.push(result)
          }
        }
        const title = options.items.length > 1 || items > 1 ? `carts of ${items} product${items === 1 ? '' : 's'}: ` : ''
        process.stdout.write(`${title}${renderModesTable(summarizeModes(sized), options, failuresByMode(sized))}\n`)
        rounds.push(...sized)
      }
      const rows = cartRows(rounds)
      if (options.items.length > 1) process.stdout.write(`\n${renderCartTable(rows)}\n${carryingVerdicts(rows).join('\n')}\n`)
      if (options.jsonFile !== undefined) {
        // the workshop's reports/workshop/ may not exist yet on a fresh clone
        mkdirSync(dirname(options.jsonFile), { recursive: true })
        writeFileSync(options.jsonFile, JSON.stringify(cartSweepReport(rows, options, loadavg()), null, 2) + '\n')
        process.stderr.write(`rows written to ${options.jsonFile}\n`)
      }
      if (options.htmlFile !== undefined) {
        writeFileSync(options.htmlFile, renderCartSweepHtml(rows, carryingVerdicts(rows), loadavg()))
        process.stderr.write(`charts written to ${options.htmlFile}\n`)
      }
      return 0
    } finally {
      await stopAll(started.map((c) => c.child))
    }
  } finally {
    await redis.stop()
  }
}

runIfMain(import.meta.url, 'bench:clerk', main)
