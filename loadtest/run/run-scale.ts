/**
 * The runs of `npm run loadtest:scale`: the same load against 1, 2, … N clerks, each made small on
 * purpose (CLERK_WORK_MS per answer, at most CLERK_CONCURRENCY at once) so the curve shows on a
 * small machine, with the CPU time of every process read from /proc before and after each run
 * (analyze/proc-cpu.ts); analyze/scale-curve.ts turns them into the curve and its verdict.
 *
 * @example
 *   const { summaries, scale } = await runScale(parseScaleArguments(['--max-clerks', '3']))
 *   scale.verdict   // 'Dialogues/s follows the clerks all the way to 3 clerks …'
 */
import { cpus } from 'node:os'
import { DEFAULT_POLICIES } from '../../services/common/vocabulary.js'
import type { ScaleOptions } from '../args/scale-arguments.js'
import { busyCores, cpuShare, ownCpuSeconds, readCpuSeconds, readMachineCpu } from '../analyze/proc-cpu.js'
import { oneClerkCapacity, scalePoint, scaleReport, type ScalePoint, type ScaleReport } from '../analyze/scale-curve.js'
import type { Summary } from '../analyze/summarize.js'
import { measuredRun } from './measured-run.js'
import { openCluster } from './open-cluster.js'

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
      // every process of the cluster, and this one: the load generator
      const readCpu = () => ({ ...readCpuSeconds(pids), loadgen: ownCpuSeconds() })
      const before = readCpu()
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
      const cpu = cpuShare(before, readCpu(), wallSeconds)
      const machineBusyCores = busyCores(machineBefore, readMachineCpu(), cpus().length)
      summaries.push(summary)
      points.push(scalePoint({ clerks, run: summaries.length - 1, summary, cpu, machineBusyCores }, capacity, points[0]))
      process.stderr.write(`${clerks} clerk(s): ${summary.dialoguesPerSec} dialogues/s, CPU ${JSON.stringify(cpu)}, machine ${machineBusyCores ?? '?'} cores busy\n`)
    } finally {
      await cluster.close()
    }
  }
  return { summaries, scale: scaleReport(options, cpus().length, points) }
}
