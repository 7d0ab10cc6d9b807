/**
 * `npm run loadtest:scale`: the same load against 1, 2, … N clerks, each made small on purpose
 * (CLERK_WORK_MS per answer, at most CLERK_CONCURRENCY at once) so the curve shows on a small
 * machine; CPU per process from /proc tells where the proxy or the CPU becomes the limit. Wires.
 */
import '../services/common/supported-node.js'
import { DEFAULT_POLICIES } from '../services/common/vocabulary.js'
import { measuredRun, openCluster } from './measured-run.js'
import { busyCores, cpuShare, ownCpuSeconds, readCpuSeconds, readMachineCpu } from './proc-cpu.js'
import { writeReportFiles } from './report-files.js'
import { buildReport, type ScalePoint, type ScaleReport } from './report-json.js'
import { readCommandLine, runIfMain } from './run-main.js'
import { parseScaleArguments, type ScaleOptions } from './scale-arguments.js'
import { oneClerkCapacity, scaleVerdict, scalingOf } from './scale-verdict.js'
import type { Summary } from './summarize.js'
import { scaleUsage } from './usage.js'
import { cpus } from 'node:os'

export { parseScaleArguments }

export async function runScale(options: ScaleOptions): Promise<{ summaries: Summary[]; scale: ScaleReport }> {
  const capacity = oneClerkCapacity(options.workMs, options.concurrency)
  const summaries: Summary[] = []
  const points: ScalePoint[] = []
  for (let clerks = 1; clerks <= options.maxClerks; clerks++) {
    const cluster = await openCluster({
      clerks,
      env: { CLERK_WORK_MS: String(options.workMs), CLERK_CONCURRENCY: String(options.concurrency) },
    })
    try {
      const pids = cluster.local?.pids() ?? {}
      delete pids.launcher // it only supervises
      const before = readCpuSeconds(pids)
      const ownBefore = ownCpuSeconds()
      const machineBefore = readMachineCpu()
      const startedAt = Date.now()
      const { summary } = await measuredRun(cluster, {
        mode: options.mode,
        policy: DEFAULT_POLICIES[options.mode],
        label: `${clerks} clerk${clerks === 1 ? '' : 's'}`,
        customers: options.customers,
        durationMs: options.durationMs,
        progress: !options.quiet,
      })
      const wallSeconds = (Date.now() - startedAt) / 1000
      const cpu = cpuShare(before, readCpuSeconds(pids), wallSeconds)
      cpu.loadgen = Math.round(((ownCpuSeconds() - ownBefore) / wallSeconds) * 100) / 100
      const machineBusyCores = busyCores(machineBefore, readMachineCpu(), cpus().length)
      summaries.push(summary)
      const base = points[0] ?? { clerks, completedPerSec: summary.dialoguesPerSec }
      points.push({
        clerks,
        run: summaries.length - 1,
        completedPerSec: summary.dialoguesPerSec,
        answersPerSec: summary.answersPerSec,
        dialogueP50: summary.dialogueLatencyMs.p50,
        dialogueP99: summary.dialogueLatencyMs.p99,
        cpu,
        machineBusyCores,
        efficiency: Math.round((summary.dialoguesPerSec / (clerks * capacity)) * 100) / 100,
        scaling: scalingOf({ clerks, completedPerSec: summary.dialoguesPerSec }, base),
      })
      process.stderr.write(
        `${clerks} clerk(s): ${summary.dialoguesPerSec} dialogues/s, CPU ${JSON.stringify(cpu)}, machine ${machineBusyCores ?? '?'} cores busy\n`,
      )
    } finally {
      await cluster.close()
    }
  }
  const machineCores = cpus().length
  return {
    summaries,
    scale: {
      workMs: options.workMs,
      concurrency: options.concurrency,
      customers: options.customers,
      oneClerkCapacity: capacity,
      machineCores,
      points,
      verdict: scaleVerdict(points, machineCores),
    },
  }
}

/** `1 ████████ 66.1` per clerk count, bars scaled to the largest value */
export function renderScaleText(scale: ScaleReport): string {
  const max = Math.max(1, ...scale.points.map((p) => Math.max(p.completedPerSec, p.clerks * scale.oneClerkCapacity)))
  const width = 40
  const lines = [
    `Scale-out: completed dialogues/s against clerks (each clerk: ${scale.workMs} ms per answer, ${scale.concurrency} at once → at most ${scale.oneClerkCapacity} dialogues/s; ${scale.customers} customers; ${scale.machineCores} cores)`,
  ]
  for (const p of scale.points) {
    const bar = '█'.repeat(Math.round((p.completedPerSec / max) * width))
    const ideal = p.clerks * scale.oneClerkCapacity
    const cpu = Object.entries(p.cpu).map(([name, c]) => `${name} ${c}`).join(', ')
    lines.push(
      `  ${String(p.clerks).padStart(2)} │${bar.padEnd(width)}│ ${String(p.completedPerSec).padStart(6)}/s  ${Math.round(p.scaling * 100)}% of linear, ${Math.round(p.efficiency * 100)}% of nominal ${Math.round(ideal)}  ` +
        `machine ${p.machineBusyCores ?? '?'} cores busy; ours: ${cpu}`,
    )
  }
  lines.push(scale.verdict)
  return lines.join('\n') + '\n'
}

export async function main(argv: readonly string[]): Promise<number> {
  const options = readCommandLine('loadtest:scale', argv, parseScaleArguments, scaleUsage)
  if (typeof options === 'number') return options
  const { summaries, scale } = await runScale(options)
  process.stdout.write('\n' + renderScaleText(scale))
  const report = buildReport('scale', summaries, { scale })
  writeReportFiles(report, options, 'clerk-cluster: scale-out')
  return 0
}

runIfMain(import.meta.url, 'loadtest:scale', main)
