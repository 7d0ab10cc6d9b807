/**
 * A fixed-bucket latency histogram kept as plain numbers: the hot path only adds to an array,
 * workers can ship it to the primary as a delta, and metrics.ts renders it at scrape time.
 */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = Object.freeze([0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10])

/** A histogram's numbers as plain data (a cluster worker's delta). */
export interface LatencyCounts {
  counts: number[]
  sum: number
  count: number
}

export class LatencyHistogram {
  /** counts[i] = observations ≤ LATENCY_BUCKETS_SECONDS[i] and > the bucket before (not cumulative) */
  counts: number[] = new Array<number>(LATENCY_BUCKETS_SECONDS.length + 1).fill(0)
  sum = 0
  count = 0

  observe(seconds: number): void {
    let i = 0
    const n = LATENCY_BUCKETS_SECONDS.length
    while (i < n && seconds > (LATENCY_BUCKETS_SECONDS[i] as number)) i++
    this.counts[i] = (this.counts[i] as number) + 1
    this.sum += seconds
    this.count++
  }

  add(other: LatencyCounts): void {
    for (let i = 0; i < this.counts.length; i++) this.counts[i] = (this.counts[i] as number) + (other.counts[i] ?? 0)
    this.sum += other.sum
    this.count += other.count
  }

  /** the numbers as plain data, leaving an empty histogram behind */
  take(): LatencyCounts {
    const taken = { counts: [...this.counts], sum: this.sum, count: this.count }
    this.counts.fill(0)
    this.sum = 0
    this.count = 0
    return taken
  }

  /** cumulative bucket counts, one per bound plus +Inf */
  cumulative(): number[] {
    const out: number[] = []
    let acc = 0
    for (const c of this.counts) {
      acc += c
      out.push(acc)
    }
    return out
  }
}
