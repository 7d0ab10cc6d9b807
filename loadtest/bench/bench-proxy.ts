/**
 * `npm run bench:proxy`: in ONE run, with the same real clerks and a real redis-server, drives the
 * same stateless request (POST /stateless/ask) directly at a clerk, through this proxy (each engine,
 * PROXY_WORKERS 1 and 2, full feature set: policies, health checks, metrics, an open event stream)
 * and through HAProxy (nbthread 1, roundrobin, same clerks) and nginx (one worker) when installed,
 * and prints requests/s, p50/p99 and the CPU seconds each proxy process spent per request, with
 * ratios to HAProxy; then that CPU split into user and system time, and how many clerks of a
 * given cost one proxy core can front (bench/cpu-split.ts), with the load average around the run.
 *
 * The load generator is wrk when it is on PATH, else autocannon (bench/load-generators.ts). Every
 * target of one run gets the same generator, connections, duration and request, and the targets
 * take turns in slices (5 s of each target's 10 s; all of them started up front, each slice
 * starting one target later), so a noisy minute on this shared machine falls on every target
 * alike instead of on whichever ran then. Shorter slices open more connections (wrk connects at
 * the start of every run), which costs a node:cluster proxy most: its primary hands every
 * accepted connection to a worker. Only wires: args/ reads, bench/bench-processes.ts starts the
 * targets, bench/load-generators.ts measures, bench/summaries.ts adds up, bench/tables.ts prints.
 *
 *   npm run bench:proxy -- --duration 10 --slice 5 --connections 50 --only net-1,undici-1,haproxy,nginx
 */
import '../../services/common/supported-node.js'
import type { ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { ENGINE_NAMES } from '../../proxy/options.js'
import { startRedisServer } from '../../services/common/redis-server.js'
import { parseBenchProxyArguments } from '../args/bench-proxy-arguments.js'
import { readCommandLine, runIfMain } from '../args/command-line.js'
import { benchProxyUsage } from '../args/usage.js'
import { startBenchClerks, startBenchHaproxy, startBenchNginx, startBenchProxy, stopAll, type BenchClerk, type BenchTarget } from './bench-processes.js'
import { CpuSplit, clerkCost, renderCpuSplit } from './cpu-split.js'
import { chooseGenerator, findOnPath, measureSlice } from './load-generators.js'
import { combineSlices, sliceOrder, summarizeTargets, type Slice } from './summaries.js'
import { renderTargetsTable } from './tables.js'

export async function main(argv: readonly string[]): Promise<number> {
  const options = readCommandLine('bench:proxy', argv, parseBenchProxyArguments, benchProxyUsage)
  if (typeof options === 'number') return options
  const wanted = (name: string) => options.only === undefined || options.only.includes(name)
  const redis = await startRedisServer({ appendOnly: false })
  const tmp = mkdtempSync(join(tmpdir(), 'bench-proxy-'))
  const opened: BenchTarget[] = []
  let clerkChildren: ChildProcess[] = []
  try {
    const ids = Array.from({ length: options.clerks }, (_, i) => `clerk-${String.fromCharCode(97 + i)}`)
    const clerks = await startBenchClerks(ids, redis.url)
    clerkChildren = clerks.map((c) => c.child)
    const load = chooseGenerator(options.generator, tmp)
    process.stderr.write(`bench:proxy, load generator: ${load.name}\n`)
    const clerkList = clerks.map((c) => `${c.id}=${c.url}`).join(',')
    // every target is started up front and idles (health checks, scrapes) while the others run
    if (wanted('direct')) {
      const first = clerks[0] as BenchClerk
      opened.push({ key: 'direct', name: 'direct (one clerk)', url: first.url, pid: undefined, close: async () => {} })
    }
    for (const workers of [1, 2]) {
      for (const engine of ENGINE_NAMES) {
        const key = `${engine}-${workers}`
        if (wanted(key)) opened.push(await startBenchProxy(key, `proxy ${engine}, ${workers} worker${workers > 1 ? 's' : ''}`, engine, workers, clerkList))
      }
    }
    if (wanted('haproxy')) {
      const binary = ['/usr/sbin/haproxy', '/usr/bin/haproxy'].find((p) => existsSync(p))
      if (binary === undefined) process.stderr.write('  haproxy: not installed (npm run setup -- --with bench installs it); ratios left out\n')
      else opened.push(await startBenchHaproxy(binary, clerks, tmp))
    }
    if (wanted('nginx')) {
      const binary = findOnPath('nginx', `${process.env.PATH ?? ''}:/usr/sbin:/usr/local/sbin`)
      if (binary === undefined) process.stderr.write('  nginx: not installed; the second anchor is left out\n')
      else opened.push(await startBenchNginx(binary, clerks, tmp))
    }
    const warmup = Math.max(1, Math.round(options.warmupSeconds))
    if (options.warmupSeconds > 0) for (const t of opened) await load.run(t.url, warmup, options.connections)
    const slices = new Map<string, Slice[]>(opened.map((t) => [t.key, []]))
    const split = new CpuSplit(clerks.flatMap((c) => (c.child.pid === undefined ? [] : [c.child.pid])))
    const loadBefore = loadAverage()
    const sliceCount = Math.max(1, Math.round(options.durationSeconds / options.sliceSeconds))
    for (let i = 0; i < sliceCount; i++) {
      for (const target of sliceOrder(opened, i)) {
        const mark = split.before(target)
        const slice = await measureSlice(target, options.sliceSeconds, options.connections, load)
        split.after(target, mark, slice.requests)
        slices.get(target.key)?.push(slice)
      }
      process.stderr.write(`  slice ${i + 1}/${sliceCount}\n`)
    }
    const measurements = opened.map((t) => combineSlices(t.name, slices.get(t.key) ?? []))
    process.stdout.write(`${renderTargetsTable(summarizeTargets(measurements), options, load.name)}\n\n`)
    const cpuSplit = split.rows()
    const cost = clerkCost(cpuSplit, options.clerkCostMicros)
    process.stdout.write(`${renderCpuSplit(cpuSplit, cost)}\n`)
    const loadAfter = loadAverage()
    process.stdout.write(`load average (1, 5, 15 min): ${loadBefore} before, ${loadAfter} after (${cpus().length} cores)\n`)
    process.stdout.write(`${JSON.stringify({ generator: load.name, measurements, cpuSplit, clerkCost: cost, loadAverage: { before: loadBefore, after: loadAfter } })}\n`)
    return 0
  } finally {
    for (const t of opened.reverse()) await t.close()
    await stopAll(clerkChildren)
    await redis.stop()
    rmSync(tmp, { recursive: true, force: true })
  }
}

/** the first three fields of /proc/loadavg: how busy the machine was (figures are only ratios within a run) */
function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
  } catch {
    return 'unknown'
  }
}

runIfMain(import.meta.url, 'bench:proxy', main)
