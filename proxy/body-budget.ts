/**
 * The request-body bytes the proxy holds at once, over every request (PROXY_REQUEST_BUFFER_BYTES).
 * Each body is buffered whole so a retry can replay it, and held until its customer's answer is
 * closed; without a total, slow or stalled bodies held memory without bound (issue 10, finding 5:
 * 200 stalled 1 MiB bodies took 186 MB). A body that does not fit is refused with 503 and
 * `Retry-After` instead of being read.
 *
 * @example
 *   const budget = new BodyBudget(64 * 1024 * 1024)
 *   if (!budget.take(chunk.length)) refuse()   // ... later, when the answer is closed:
 *   budget.release(taken)
 */
export class BodyBudget {
  private held = 0

  constructor(readonly capBytes: number) {}

  /** bytes held now */
  get heldBytes(): number {
    return this.held
  }

  /** whether `bytes` more would still fit (for a Content-Length known up front) */
  fits(bytes: number): boolean {
    return this.held + bytes <= this.capBytes
  }

  /** holds `bytes` when they fit and says so; holds nothing when they do not */
  take(bytes: number): boolean {
    if (!this.fits(bytes)) return false
    this.held += bytes
    return true
  }

  release(bytes: number): void {
    this.held -= bytes
  }
}
