import type { Counters, CountersDelta } from './counters.js'
import { NO_USAGE, type FrontUsage } from './status.js'
import type { Upstream } from './upstream.js'

/** What a cluster worker reports every 250 ms. */
export interface WorkerReport {
  /** what it counted since its last report (Counters.take()) */
  counters: CountersDelta
  /** its requests waiting for each clerk now, by clerk id */
  inFlight: Record<string, number>
  /** of those, its event streams open to each clerk now, by clerk id */
  openStreams: Record<string, number>
  /** what its front holds now against its limits */
  usage: FrontUsage
}

/**
 * The cluster primary's side of the workers' reports: counts are added to the truth's Counters
 * (the same code that counted them), while in-flight requests and front usage are gauges, kept per
 * worker and summed, so a worker that exits stops counting at once.
 */
export class WorkerReports {
  private readonly inFlight = new Map<number, Record<string, number>>()
  private readonly openStreams = new Map<number, Record<string, number>>()
  private readonly usages = new Map<number, FrontUsage>()

  constructor(
    private readonly upstreams: readonly Upstream[],
    private readonly counters: Counters,
  ) {}

  merge(workerId: number, report: WorkerReport): void {
    this.counters.add(report.counters)
    this.usages.set(workerId, report.usage)
    this.inFlight.set(workerId, report.inFlight)
    this.openStreams.set(workerId, report.openStreams)
    this.sumInFlight()
  }

  forget(workerId: number): void {
    this.inFlight.delete(workerId)
    this.openStreams.delete(workerId)
    this.usages.delete(workerId)
    this.sumInFlight()
  }

  /** what every worker's front holds now, summed */
  usage(): FrontUsage {
    const sum = { ...NO_USAGE }
    for (const u of this.usages.values()) {
      sum.connections += u.connections
      sum.bufferedBytes += u.bufferedBytes
      sum.eventStreams += u.eventStreams
    }
    return sum
  }

  private sumInFlight(): void {
    for (const u of this.upstreams) {
      u.inFlight = sumOver(this.inFlight, u.id)
      u.openStreams = sumOver(this.openStreams, u.id)
    }
  }
}

function sumOver(byWorker: ReadonlyMap<number, Record<string, number>>, clerk: string): number {
  let n = 0
  for (const byClerk of byWorker.values()) n += byClerk[clerk] ?? 0
  return n
}

/** a worker's in-flight requests by clerk id, for its report */
export function inFlightOf(upstreams: readonly Upstream[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const u of upstreams) out[u.id] = u.inFlight
  return out
}

/** a worker's open event streams by clerk id, for its report */
export function openStreamsOf(upstreams: readonly Upstream[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const u of upstreams) out[u.id] = u.openStreams
  return out
}
