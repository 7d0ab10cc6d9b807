import type { IncomingMessage } from 'node:http'

/**
 * ok: the body (undefined when there is none), and the `held` bytes of the budget it keeps until
 * the caller releases them. Otherwise why not: over the per-request cap, no room left in the
 * proxy's total (`busy`), or the customer's request broke off. A refused body holds nothing.
 */
export type BodyResult = { ok: true; body: Buffer | undefined; held: number } | { ok: false; refusal: 'too_large' | 'busy' | 'broken' }

/**
 * Buffers a request body so it can be replayed on another clerk, up to `capBytes`, and within
 * what `budget` has left over all requests. Calls back once.
 */
export function readRequestBody(req: IncomingMessage, capBytes: number, budget: BodyBudget, done: (result: BodyResult) => void): void {
  const length = req.headers['content-length']
  // a body of announced length is held whole from the start: the request that would not fit is
  // refused before a byte of it is read; a chunked one is held chunk by chunk as it comes
  let held = 0
  if (req.headers['transfer-encoding'] === undefined) {
    if (length === undefined || length === '0') {
      done({ ok: true, body: undefined, held: 0 })
      return
    }
    const announced = Number(length)
    if (announced > capBytes) {
      done({ ok: false, refusal: 'too_large' })
      return
    }
    if (!budget.take(announced)) {
      done({ ok: false, refusal: 'busy' })
      return
    }
    held = announced
  }
  const chunks: Buffer[] = []
  let size = 0
  let finished = false
  const finish = (result: BodyResult) => {
    if (finished) return
    finished = true
    req.removeListener('data', onData)
    if (!result.ok) budget.release(held)
    done(result)
  }
  const onData = (chunk: Buffer) => {
    size += chunk.length
    if (size > capBytes) {
      finish({ ok: false, refusal: 'too_large' })
      return
    }
    if (size > held) {
      if (!budget.take(size - held)) {
        finish({ ok: false, refusal: 'busy' })
        return
      }
      held = size
    }
    chunks.push(chunk)
  }
  req.on('data', onData)
  req.once('end', () => finish({ ok: true, body: size === 0 ? undefined : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size), held }))
  // a customer who leaves mid-body (or whose request ran past PROXY_REQUEST_TIMEOUT_MS): the
  // response's 'close' ends the exchange; this only says so
  req.once('error', () => finish({ ok: false, refusal: 'broken' }))
  // ... and whatever else ends it before its end: held bytes must never leak
  req.once('close', () => finish({ ok: false, refusal: 'broken' }))
}

const DISCARD_CAP_BYTES = 32 * 1024 * 1024 // 32 MiB
const DISCARD_DEADLINE_MS = 5_000 // 5 s

/**
 * Reads and throws away the rest of a request body the proxy has refused (413), so the customer
 * reads the answer. Closing the connection with part of the body unread makes the kernel answer
 * the rest with a reset, and most clients (fetch among them) then report EPIPE/ECONNRESET instead
 * of the 413 that was already on its way. The connection stays usable afterwards; a body that
 * goes on past DISCARD_CAP_BYTES or DISCARD_DEADLINE_MS gets the connection closed after all.
 */
export function discardRestOfBody(req: IncomingMessage): void {
  if (req.complete) return
  let discarded = 0
  const giveUp = () => req.socket.destroy()
  const timer = setTimeout(giveUp, DISCARD_DEADLINE_MS)
  timer.unref()
  req.on('data', (chunk: Buffer) => {
    discarded += chunk.length
    if (discarded > DISCARD_CAP_BYTES) giveUp()
  })
  req.once('close', () => clearTimeout(timer))
  req.resume()
}

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
