import { connect, type Socket } from 'node:net'
import { clerkLookup } from '../cached-lookup.js'
import { EngineError, isEventStream, type EngineOptions, type ForwardCallbacks, type ForwardEngine, type ForwardRequest, type ForwardTarget, type StreamSink } from './engine.js'
import { ResponseParser, type ResponseEvents } from './llhttp-response-parser.js'
import { requestHead } from './net-request-head.js'

/**
 * The net engine: HTTP/1.1 to the clerks on node:net, with llhttp (undici's WebAssembly build,
 * llhttp-response-parser.ts) reading the answers. Per clerk, up to PROXY_CONNECTIONS kept-alive
 * connections, one request at a time on each (no pipelining), attempts waiting in order for a
 * free one. A request goes out in one write (head and body in one buffer; a large body as a
 * corked second write, one writev). Per attempt: one object and its deadline timer.
 *
 * It keeps the other engines' promises (engine.ts): the whole answer buffered up to
 * PROXY_RESPONSE_CAP, an event stream passed on chunk by chunk, `written` true from the moment
 * the request goes out on a connected socket, no callback after an abort. A connection is reused
 * only after a whole answer that llhttp says may be followed by another (no Connection: close,
 * not HTTP/1.0 without keep-alive); anything else the clerk sends on it (a second answer nobody
 * asked for, bytes after the answer) closes it.
 */

/** a body up to this size is copied behind the head, so the request is one buffer and one write */
const COPY_BODY_BYTES = 16 * 1024 // 16 KiB
/** how often idle connections are checked against PROXY_KEEPALIVE_MS */
const IDLE_SWEEP_MS = 1_000 // 1 s

function connectionBroke(message: string): Error {
  return Object.assign(new Error(message), { code: 'ECONNRESET' })
}

/** One attempt: a request, its callbacks, and what came back so far. */
class Attempt {
  written = false
  settled = false
  /** the answer's headers are in and it is a whole answer we will buffer */
  statusCode = 0
  headers: string[] = []
  chunks: Buffer[] = []
  size = 0
  /** the answer is complete (set inside the parser's callbacks, delivered after it returns) */
  complete = false
  /** an event stream flowing to the customer (engine.ts: onStream) */
  sink: StreamSink | undefined
  streamIdle: NodeJS.Timeout | undefined
  connection: ClerkConnection | undefined
  readonly deadline: NodeJS.Timeout

  constructor(
    readonly head: string,
    readonly request: ForwardRequest,
    readonly callbacks: ForwardCallbacks,
    timeoutMs: number,
  ) {
    this.deadline = setTimeout(this.timeOut, timeoutMs)
    this.deadline.unref()
  }

  /** no whole answer within PROXY_UPSTREAM_TIMEOUT_MS: the connection goes with it */
  private timeOut = (): void => {
    if (this.settled) return
    const err = new EngineError('PROXY_UPSTREAM_TIMEOUT', 'no whole answer in time')
    this.connection?.destroy(err)
    this.fail(err)
  }

  settle(): boolean {
    if (this.settled) return false
    this.settled = true
    clearTimeout(this.deadline)
    return true
  }

  fail(err: unknown): void {
    if (this.settle()) this.callbacks.onError(err, this.written)
  }

  /** the customer left: nothing more is called back, and the clerk's connection is closed */
  abort = (): void => {
    if (this.sink !== undefined) {
      this.stopStream()
      this.connection?.destroy(new EngineError('PROXY_ABORTED', 'the customer went away'))
      return
    }
    if (!this.settle()) return
    this.connection?.destroy(new EngineError('PROXY_ABORTED', 'the customer went away'))
  }

  /** forgets the stream (no more calls to its sink); returns the sink, once */
  stopStream(): StreamSink | undefined {
    const sink = this.sink
    this.sink = undefined
    clearTimeout(this.streamIdle)
    return sink
  }
}

/** One kept-alive connection to a clerk, and the parser reading its answers. */
class ClerkConnection implements ResponseEvents {
  readonly socket: Socket
  private readonly parser: ResponseParser
  attempt: Attempt | undefined
  connected = false
  idleSince = 0
  /** llhttp says another answer may follow the current one on this connection */
  private keepAlive = false
  /** the current answer has no body to read (an answer to HEAD) */
  private closeAfter = false
  /** an interim answer (1xx) is being read: not the attempt's answer */
  private interim = false
  private error: unknown
  private readonly connectTimer: NodeJS.Timeout | undefined

  constructor(
    private readonly pool: ClerkPool,
    first: Attempt,
  ) {
    this.parser = new ResponseParser(this)
    this.attempt = first
    first.connection = this
    const { url, options } = pool
    this.socket = connect({ host: url.hostname, port: Number(url.port || 80), lookup: clerkLookup, noDelay: true })
    this.connectTimer = setTimeout(() => this.destroy(new EngineError('PROXY_CONNECT_TIMEOUT', 'connect timeout')), options.connectTimeoutMs)
    this.socket.once('connect', this.onConnect)
    this.socket.on('data', this.onData)
    this.socket.once('end', this.onEnd)
    this.socket.once('error', this.onError)
    this.socket.once('close', this.onClose)
  }

  private onConnect = (): void => {
    clearTimeout(this.connectTimer)
    this.connected = true
    const attempt = this.attempt
    if (attempt === undefined || attempt.settled) {
      this.attempt = undefined
      this.pool.release(this)
    } else this.send(attempt)
  }

  /** writes the attempt's request: one buffer (head + small body), or head and body corked */
  send(attempt: Attempt): void {
    this.attempt = attempt
    attempt.connection = this
    this.keepAlive = false
    this.closeAfter = attempt.request.method === 'HEAD'
    attempt.written = true
    const head = attempt.head
    const body = attempt.request.body
    const headLength = head.length // latin1: one byte per character (net-request-head.ts checks)
    if (body === undefined || body.length === 0) {
      this.socket.write(head, 'latin1')
    } else if (body.length <= COPY_BODY_BYTES) {
      const buffer = Buffer.allocUnsafe(headLength + body.length)
      buffer.write(head, 0, 'latin1')
      body.copy(buffer, headLength)
      this.socket.write(buffer)
    } else {
      this.socket.cork()
      this.socket.write(head, 'latin1')
      this.socket.write(body)
      this.socket.uncork()
    }
  }

  /** usable for the next request: connected, idle, and neither side has closed it */
  get reusable(): boolean {
    const s = this.socket
    return this.connected && this.attempt === undefined && !s.destroyed && !s.readableEnded && !s.writableEnded
  }

  destroy(err?: unknown): void {
    if (err !== undefined && this.error === undefined) this.error = err
    this.socket.destroy()
  }

  private onData = (chunk: Buffer): void => {
    try {
      this.parser.execute(chunk)
    } catch (err) {
      this.destroy(err) // onClose fails the attempt with it
      return
    }
    this.deliver()
  }

  /** after the parser returned: hands a complete answer on, and the connection back to the pool */
  private deliver(): void {
    const attempt = this.attempt
    if (attempt === undefined || !attempt.complete) return
    this.attempt = undefined
    attempt.connection = undefined
    if (this.keepAlive && !this.closeAfter && !this.socket.destroyed) this.pool.release(this)
    else this.destroy()
    if (attempt.sink !== undefined) {
      attempt.stopStream()?.end()
      return
    }
    if (!attempt.settle()) return
    const body = attempt.chunks.length === 1 ? (attempt.chunks[0] as Buffer) : Buffer.concat(attempt.chunks, attempt.size)
    attempt.callbacks.onResponse(attempt.statusCode, attempt.headers, body)
  }

  private onEnd = (): void => {
    // the clerk closed its side: an answer framed by the close ends here
    try {
      this.parser.finish()
    } catch (err) {
      this.destroy(err)
      return
    }
    this.deliver()
    this.destroy()
  }

  private onError = (err: Error): void => {
    if (this.error === undefined) this.error = err
  }

  private onClose = (): void => {
    clearTimeout(this.connectTimer)
    this.parser.destroy()
    this.pool.removed(this)
    const attempt = this.attempt
    this.attempt = undefined
    if (attempt === undefined) return
    attempt.connection = undefined
    const err = this.error ?? connectionBroke('the clerk closed the connection before a whole answer')
    if (attempt.sink !== undefined) {
      attempt.stopStream()?.broke(err)
      return
    }
    // a connection that never connected: the request never went out
    if (!this.connected) attempt.written = false
    attempt.fail(err)
  }

  // the parser's events (llhttp-response-parser.ts), inside llhttp_execute

  messageBegin(): boolean {
    const attempt = this.attempt
    // an answer with no request waiting for it: the clerk and we disagree on where messages end
    return attempt !== undefined && !attempt.complete
  }

  headersComplete(statusCode: number, headers: string[], keepAlive: boolean, upgrade: boolean): number {
    const attempt = this.attempt as Attempt
    // we never ask for 100-continue nor an upgrade
    if (statusCode === 100 || statusCode === 101 || upgrade) return -1
    if (statusCode < 200) {
      this.interim = true
      return 1 // 102, 103: informational, no body; the answer follows
    }
    this.interim = false
    this.keepAlive = keepAlive
    attempt.statusCode = statusCode
    attempt.headers = headers
    if (attempt.callbacks.onStream !== undefined && !attempt.settled && isEventStream(statusCode, headers)) {
      attempt.settle()
      attempt.sink = attempt.callbacks.onStream(statusCode, headers)
      attempt.streamIdle = setTimeout(() => this.streamIdle(attempt), this.pool.options.upstreamTimeoutMs)
      attempt.streamIdle.unref()
    }
    return this.closeAfter ? 1 : 0
  }

  /** no chunk of an event stream for PROXY_UPSTREAM_TIMEOUT_MS: the stream is cut */
  private streamIdle(attempt: Attempt): void {
    const sink = attempt.stopStream()
    this.destroy()
    sink?.broke(new EngineError('PROXY_UPSTREAM_TIMEOUT', 'no event in time'))
  }

  body(chunk: Buffer): void {
    const attempt = this.attempt as Attempt
    if (attempt.sink !== undefined) {
      attempt.streamIdle?.refresh()
      attempt.sink.data(chunk)
      return
    }
    if (attempt.settled) return
    attempt.size += chunk.length
    if (attempt.size > this.pool.options.responseCapBytes) {
      const err = new EngineError('PROXY_RESPONSE_TOO_LARGE', `answer over ${this.pool.options.responseCapBytes} bytes`)
      this.destroy(err)
      attempt.fail(err)
      return
    }
    attempt.chunks.push(chunk)
  }

  messageComplete(): boolean {
    if (this.interim) {
      this.interim = false
      return true
    }
    ;(this.attempt as Attempt).complete = true
    return this.keepAlive && !this.closeAfter
  }
}

/** The connections to one clerk and the attempts waiting for one. */
class ClerkPool {
  private readonly idle: ClerkConnection[] = []
  private readonly waiting: Attempt[] = []
  /** every open connection, idle or busy (close() ends them all) */
  private readonly connections = new Set<ClerkConnection>()
  private open = 0
  readonly url: URL
  /** resolves once no attempt is in flight (close()) */
  onQuiet: (() => void) | undefined

  constructor(
    target: ForwardTarget,
    readonly options: EngineOptions,
  ) {
    this.url = target.url
  }

  dispatch(attempt: Attempt): void {
    while (this.idle.length > 0) {
      const connection = this.idle.pop() as ClerkConnection // the most recently used: warm, least likely closed
      if (connection.reusable) {
        connection.send(attempt)
        return
      }
      connection.destroy()
    }
    if (this.open < this.options.connectionsPerClerk) {
      this.connect(attempt)
      return
    }
    this.waiting.push(attempt)
  }

  /** a connection is free: the next waiting attempt takes it, or it waits idle */
  release(connection: ClerkConnection): void {
    while (this.waiting.length > 0) {
      const attempt = this.waiting.shift() as Attempt
      if (attempt.settled) continue // aborted or timed out while waiting
      connection.send(attempt)
      return
    }
    connection.idleSince = performance.now()
    this.idle.push(connection)
    if (this.active === 0) this.onQuiet?.()
  }

  private connect(attempt: Attempt): void {
    this.open++
    this.connections.add(new ClerkConnection(this, attempt))
  }

  /** a connection closed: a waiting attempt gets a new one */
  removed(connection: ClerkConnection): void {
    this.open--
    this.connections.delete(connection)
    const i = this.idle.indexOf(connection)
    if (i >= 0) this.idle.splice(i, 1)
    while (this.waiting.length > 0) {
      const attempt = this.waiting.shift() as Attempt
      if (attempt.settled) continue
      this.connect(attempt)
      return
    }
    if (this.active === 0) this.onQuiet?.()
  }

  get active(): number {
    return this.open - this.idle.length
  }

  closeIdle(olderThan: number): void {
    for (const connection of [...this.idle]) if (connection.idleSince <= olderThan) connection.destroy()
  }

  destroyAll(): void {
    for (const attempt of this.waiting.splice(0)) attempt.fail(connectionBroke('the proxy is shutting down'))
    for (const connection of [...this.connections]) connection.destroy()
  }
}

export function createNetEngine(options: EngineOptions): ForwardEngine {
  const pools = new Map<string, ClerkPool>()
  const all = new Set<ClerkPool>()
  const sweep = setInterval(() => {
    const olderThan = performance.now() - options.keepAliveIdleMs
    for (const pool of all) pool.closeIdle(olderThan)
  }, IDLE_SWEEP_MS)
  sweep.unref()

  function poolFor(target: ForwardTarget): ClerkPool {
    let pool = pools.get(target.id)
    // a clerk whose address changed (discovery: a new URL object) gets a new pool; the old one's connections idle out
    if (pool === undefined || (pool.url !== target.url && pool.url.host !== target.url.host)) {
      pool = new ClerkPool(target, options)
      pools.set(target.id, pool)
      all.add(pool)
    }
    return pool
  }

  return {
    name: 'net',
    forward(target: ForwardTarget, request: ForwardRequest, callbacks: ForwardCallbacks) {
      let head: string
      try {
        head = requestHead(request, target.url.host)
      } catch (err) {
        // refused before a byte went out; called back after forward() returns, as every engine does
        let aborted = false
        queueMicrotask(() => {
          if (!aborted) callbacks.onError(err, false)
        })
        return () => (aborted = true)
      }
      const attempt = new Attempt(head, request, callbacks, options.upstreamTimeoutMs)
      poolFor(target).dispatch(attempt)
      return attempt.abort
    },
    async close() {
      clearInterval(sweep)
      const quiet = [...all].map(
        (pool) =>
          new Promise<void>((resolve) => {
            if (pool.active === 0) return resolve()
            pool.onQuiet = resolve
            // every attempt has its deadline; a stream is cut after the same time
            setTimeout(resolve, options.upstreamTimeoutMs + 1_000).unref()
          }),
      )
      await Promise.all(quiet)
      for (const pool of all) pool.destroyAll()
      pools.clear()
      all.clear()
    },
  }
}
