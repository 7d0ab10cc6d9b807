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
