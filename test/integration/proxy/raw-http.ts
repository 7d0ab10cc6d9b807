import { connect } from 'node:net'

/** what came back on one raw connection, until the proxy closed it */
export interface RawAnswer {
  /** every byte received, latin1 */
  raw: string
  /** status codes of the interim (1xx) answers, in order */
  interim: number[]
  status: number
  headers: Record<string, string>
  body: string
  json: Record<string, unknown> | undefined
}

/**
 * Writes `bytes` on a fresh TCP connection to 127.0.0.1:`port` and reads until the other side
 * closes. With `bodyAfterContinue`, that body is written as soon as a `100 Continue` arrives
 * (what a client that sent `Expect: 100-continue` does). Fails after `timeoutMs` instead of
 * hanging: a proxy that keeps the socket open without answering is a bug here.
 */
export function rawRequest(port: number, bytes: string, { bodyAfterContinue, timeoutMs = 10_000 }: { bodyAfterContinue?: string; timeoutMs?: number } = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes))
    let raw = ''
    let continued = false
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`no close within ${timeoutMs} ms; got ${JSON.stringify(raw.slice(0, 300))}`))
    }, timeoutMs)
    socket.on('data', (chunk: Buffer) => {
      raw += chunk.toString('latin1')
      if (bodyAfterContinue !== undefined && !continued && /^HTTP\/1\.1 100 /.test(raw) && raw.includes('\r\n\r\n')) {
        continued = true
        socket.write(bodyAfterContinue)
      }
    })
    // a reset after the answer (the proxy closing while the client still writes) is still an answer
    socket.on('error', () => {})
    socket.on('close', () => {
      clearTimeout(timer)
      try {
        resolve(parse(raw))
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)))
      }
    })
  })
}

function parse(raw: string): RawAnswer {
  const interim: number[] = []
  let rest = raw
  for (;;) {
    const end = rest.indexOf('\r\n\r\n')
    if (end === -1) throw new Error(`not an HTTP answer: ${JSON.stringify(raw.slice(0, 300))}`)
    const [statusLine = '', ...lines] = rest.slice(0, end).split('\r\n')
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1])
    if (!status) throw new Error(`not an HTTP status line: ${JSON.stringify(statusLine)}`)
    rest = rest.slice(end + 4)
    if (status >= 100 && status < 200) {
      interim.push(status)
      continue
    }
    const headers: Record<string, string> = {}
    for (const line of lines) {
      const colon = line.indexOf(':')
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
    }
    let json: Record<string, unknown> | undefined
    try {
      json = JSON.parse(rest) as Record<string, unknown>
    } catch {
      json = undefined
    }
    return { raw, interim, status, headers, body: rest, json }
  }
}

/** a connection a test drives by hand: it writes when it likes and reads what came back so far */
export interface RawConnection {
  write(bytes: string | Buffer): void
  /** every byte received so far, latin1 */
  received(): string
  /** the status of the first answer, once its status line has arrived */
  status(): number | undefined
  /** resolves when the other side has closed the connection (or it broke) */
  readonly closed: Promise<void>
  isClosed(): boolean
  /** the whole answer, once closed */
  answer(): RawAnswer
  destroy(): void
}

/** opens a raw TCP connection to 127.0.0.1:`port`; resolves once connected */
export function openRaw(port: number): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    let raw = ''
    let closed = false
    let onClosed: () => void = () => {}
    const closedPromise = new Promise<void>((r) => (onClosed = r))
    const socket = connect(port, '127.0.0.1')
    socket.on('data', (chunk: Buffer) => (raw += chunk.toString('latin1')))
    socket.on('error', () => {})
    socket.on('close', () => {
      closed = true
      onClosed()
    })
    socket.once('connect', () =>
      resolve({
        write: (bytes) => {
          if (!socket.destroyed) socket.write(bytes)
        },
        received: () => raw,
        status: () => {
          const m = /^HTTP\/1\.[01] (\d{3}) /.exec(raw)
          return m ? Number(m[1]) : undefined
        },
        closed: closedPromise,
        isClosed: () => closed,
        answer: () => parse(raw),
        destroy: () => socket.destroy(),
      }),
    )
    socket.once('error', reject)
  })
}
