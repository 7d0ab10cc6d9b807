import { stickyCookieId } from '../balance/affinity.js'
import type { PinnableView } from '../balance/affinity.js'
import { ClerkCounters } from './counters.js'

/**
 * Everything the proxy knows about one clerk: where it is, whether it may take traffic (what the
 * balancer reads, and what the cluster primary replicates to its workers), and what happened to
 * the traffic it took (`counters`: totals in the process that holds the truth, the delta not yet
 * reported in a cluster worker).
 */
export class Upstream implements PinnableView {
  /** the opaque value of the sticky cookie that names this clerk */
  readonly cookieId: string
  healthy = true // optimistic until the first check says otherwise, like HAProxy
  drained = false
  /** requests of this process (in the primary: of every worker) waiting for this clerk now */
  inFlight = 0
  /** of those, event streams flowing to a customer now (an MCP pay's progress): they outlive a drain */
  openStreams = 0
  /** the last /readyz body */
  info: unknown = null
  /** consecutive successful / failed checks (active or passive), for rise and fall */
  okStreak = 0
  failStreak = 0
  readonly counters = new ClerkCounters()

  constructor(
    readonly id: string,
    readonly url: URL,
  ) {
    this.cookieId = stickyCookieId(id)
  }
}
