import type { IncomingMessage } from 'node:http'

export type BodyResult = { ok: true; body: Buffer | undefined } | { ok: false; tooLarge: true } | { ok: false; tooLarge: false }

/**
 * Buffers a request body so it can be replayed on another clerk, up to `capBytes`. Calls back
 * once: with the body (undefined when there is none), with tooLarge, or with a broken request.
 */
export function readRequestBody(req: IncomingMessage, capBytes: number, done: (result: BodyResult) => void): void {
  const length = req.headers['content-length']
  if (req.headers['transfer-encoding'] === undefined) {
    if (length === undefined || length === '0') {
      done({ ok: true, body: undefined })
      return
    }
    if (Number(length) > capBytes) {
      done({ ok: false, tooLarge: true })
      return
    }
  }
  const chunks: Buffer[] = []
  let size = 0
  let finished = false
  const finish = (result: BodyResult) => {
    if (finished) return
    finished = true
    req.removeListener('data', onData)
    done(result)
  }
  const onData = (chunk: Buffer) => {
    size += chunk.length
    if (size > capBytes) {
      finish({ ok: false, tooLarge: true })
      return
    }
    chunks.push(chunk)
  }
  req.on('data', onData)
  req.once('end', () => finish({ ok: true, body: size === 0 ? undefined : chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size) }))
  // a customer who leaves mid-body: the response's 'close' ends the exchange; this only says so
  req.once('error', () => finish({ ok: false, tooLarge: false }))
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
