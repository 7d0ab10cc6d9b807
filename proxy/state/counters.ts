import type { Upstream } from './upstream.js'
import type { FailureKind, UpstreamFailure } from '../forward/failures.js'

/**
 * What the forwarder reports about each request. A single process records into the one truth
 * (ProxyState); a cluster worker records deltas and sends them to the primary.
 */
export interface Recorder {
  /** a clerk answered (any status) after `seconds` */
  answered(upstream: Upstream, status: number, seconds: number): void
  /** an attempt on this clerk failed; `status` is what that failure would give the customer */
  attemptFailed(upstream: Upstream, failure: UpstreamFailure, status: number): void
  retried(from: Upstream, to: Upstream, reason: FailureKind): void
  /** a sticky customer moved from a clerk that is down to another */
  redispatched(from: Upstream, to: Upstream): void
  /** a sticky cookie naming this clerk was issued */
  pinned(upstream: Upstream): void
  /** the proxy answered without any clerk (no healthy clerk, body too large, not found) */
  unrouted(status: number): void
}
