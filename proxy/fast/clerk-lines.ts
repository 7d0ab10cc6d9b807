import { connect, type Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import { clerkLookup } from '../forward/cached-lookup.js'
import { EngineError, type EngineOptions, type ForwardCallbacks, type ForwardTarget, type StreamSink } from '../forward/engines/engine.js'
import type { Abortable } from '../forward/exchange.js'
import { AnswerHead, classifyAnswer } from './answer-head.js'
import { HeadRanges } from './head-ranges.js'
import { OK, OffsetParser, PAUSED, RESPONSE, errorCode, type OffsetHandler } from './offset-parser.js'

/**
 * The fast path's engine: HTTP/1.1 to the clerks on node:net, kept-alive connections ("lines")
 * per clerk, one request at a time on each, attempts waiting in order for a free one when a clerk
 * has PROXY_CONNECTIONS busy. A request is the bytes the customer's connection built once
 * (request-head.ts), written in one write; an answer is read by strict llhttp (offset-parser.ts)
 * into byte ranges (AnswerHead), handed to the exchange whole (onResponse) or, for an event
 * stream, head first and then chunk by chunk (onStream). It keeps the promises of engine.ts:
 * `written` true from the moment a request goes out on a connected socket, no callback after an
 * abort, the answer capped at PROXY_RESPONSE_CAP, a connection reused only after a whole answer
 * llhttp says may be followed by another; anything else the clerk sends on it closes it.
 *
 * Deadlines cost no timer per request: one interval sweeps the busy lines (the engine's own
 * PROXY_UPSTREAM_TIMEOUT_MS backstop, an event stream's silence) and the idle ones
 * (PROXY_KEEPALIVE_MS).
 */

/** every line reads into this (node's `onread`): answers are handled, or copied, before the next read */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024) // 64 KiB, as node's own reads

/** how often deadlines and idle lines are checked */
const SWEEP_MS = 100 // 0.1 s

function connectionBroke(message: string): Error {
  return Object.assign(new Error(message), { code: 'ECONNRESET' })
}

/** One attempt: the request's bytes, who hears of its answer, and how far it got. */
class Attempt implements Abortable {
  written = false
  settled = false
  /** when the engine gives up on it (performance.now() ms), or when a stream's last chunk came */
  deadline: number
  line: ClerkLine | undefined
  /** an event stream flowing to the customer */
  sink: StreamSink | undefined

  constructor(
    readonly bytes: Buffer,
    readonly callbacks: ForwardCallbacks<AnswerHead>,
    timeoutMs: number,
    /** a HEAD request: its answer has no body to read */
    readonly noBody: boolean,
  ) {
    this.deadline = performance.now() + timeoutMs
  }

  settle(): boolean {
    if (this.settled) return false
    this.settled = true
    return true
  }

  fail(err: unknown): void {
    if (this.settle()) this.callbacks.onError(err, this.written)
  }

  /** the customer left, or the exchange gave up: nothing more is called back, the line is closed */
  abort(): void {
    // a stream was settled when it began; anything else is settled now, once
    if (this.sink === undefined && !this.settle()) return
    this.sink = undefined
    this.line?.destroy(new EngineError('PROXY_ABORTED', 'the customer went away'))
  }
}

/** One kept-alive connection to a clerk, the parser reading its answers, and the attempt it carries. */
class ClerkLine implements OffsetHandler {
  readonly socket: Socket
  private readonly parser = new OffsetParser(RESPONSE, this)
  private readonly ranges = new HeadRanges()
  private readonly head = new AnswerHead(this.ranges)
  attempt: Attempt | undefined
  connected = false
  idleSince = 0
  /** the buffer being parsed, and the bytes of an answer whose head has not all come yet */
  private buf: Buffer = Buffer.alloc(0)
  private headPending: Buffer | undefined
  private headDone = false
  /** an interim answer (1xx) is being read: not the attempt's answer */
  private interim = false
  private interimDone = false
  /** llhttp says another answer may follow the current one on this line */
  private keepAlive = false
  private complete = false
  /** the buffered answer's body, piece by piece (views of the clerk's chunks) */
  private readonly pieces: Buffer[] = []
  private bodyLength = 0
  /** pieces already copied out of the shared read buffer */
  private keptPieces = 0
  /** the clerk ended its side, or the line was destroyed */
  private ended = false
  private error: unknown
  private readonly connectTimer: NodeJS.Timeout

  constructor(
    private readonly pool: ClerkPool,
    first: Attempt,
  ) {
    this.attempt = first
    first.line = this
    const { url, options } = pool
    // Answers are read into one buffer shared by every line (node's `onread`): no buffer and no
    // 'data' event per read. What a line keeps past a read (a head still coming, an answer's head
    // and body when the rest is still coming) it copies (keepPastRead).
    this.socket = connect({ host: url.hostname, port: Number(url.port || 80), lookup: clerkLookup, noDelay: true, onread: { buffer: READ_BUFFER, callback: this.onRead } })
    this.connectTimer = setTimeout(() => this.destroy(new EngineError('PROXY_CONNECT_TIMEOUT', 'connect timeout')), options.connectTimeoutMs)
    this.socket.once('connect', this.onConnect)
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

  send(attempt: Attempt): void {
    this.attempt = attempt
    attempt.line = this
    this.keepAlive = false
    this.complete = false
    this.headDone = false
    this.bodyLength = 0
    this.pieces.length = 0
    this.keptPieces = 0
    attempt.written = true
    this.socket.write(attempt.bytes)
  }

  /** usable for the next request: connected, idle, and neither side has closed it (the line never ends its side: it destroys) */
  get reusable(): boolean {
    return this.connected && this.attempt === undefined && !this.ended
  }

  destroy(err?: unknown): void {
    if (err !== undefined && this.error === undefined) this.error = err
    this.ended = true
    this.socket.destroy()
  }

  private readonly onRead = (n: number): boolean => {
    this.onData(READ_BUFFER.subarray(0, n))
    return true // go on reading
  }

  private onData(chunk: Buffer): void {
    let buf = chunk
    if (this.headPending !== undefined) {
      // the head came in pieces: parse the answer again from its first byte, whole
      buf = Buffer.concat([this.headPending, chunk])
      this.headPending = undefined
      this.parser.reset()
    }
    this.buf = buf
    this.parser.load(buf)
    let from = 0
    for (;;) {
      this.head.start = from
      const ret = this.parser.run(from)
      if (ret === PAUSED) {
        const end = this.parser.errorPos()
        this.parser.resume()
        if (this.interimDone) {
          this.interimDone = false
          from = end
          continue
        }
        // bytes after the answer nobody asked for: the clerk and we disagree on where messages end
        if (end < buf.length) this.keepAlive = false
        this.deliver()
        return
      }
      if (ret !== OK) {
        this.destroy(this.error ?? Object.assign(new Error(`the clerk's answer is not valid HTTP/1.1: ${this.parser.errorReason()}`), { code: errorCode(ret) }))
        return
      }
      if (!this.headDone && this.attempt !== undefined) {
        this.headPending = Buffer.from(from === 0 ? buf : buf.subarray(from))
        if (this.headPending.length > this.pool.options.responseCapBytes) this.destroy(new EngineError('PROXY_RESPONSE_TOO_LARGE', 'an answer head over PROXY_RESPONSE_CAP'))
      } else if (this.headDone) this.keepPastRead(buf)
      return
    }
  }

  /** the answer goes on in the next read: its head and the body read so far are copied out of the shared read buffer */
  private keepPastRead(buf: Buffer): void {
    if (this.head.buf === buf) this.head.buf = Buffer.from(buf.subarray(0, this.head.headEnd)) // offsets stay valid
    const pieces = this.pieces
    for (let i = this.keptPieces; i < pieces.length; i++) pieces[i] = Buffer.from(pieces[i] as Buffer)
    this.keptPieces = pieces.length
  }

  /** a whole answer: to the exchange (or the stream's end), and the line back to its pool */
  private deliver(): void {
    const attempt = this.attempt
    if (attempt === undefined || !this.complete) return
    this.attempt = undefined
    attempt.line = undefined
    const reuse = this.keepAlive && !this.socket.destroyed
    if (attempt.sink !== undefined) {
      const sink = attempt.sink
      attempt.sink = undefined
      this.release(reuse)
      sink.end()
      return
    }
    const pieces = this.pieces
    const body = pieces.length === 1 ? (pieces[0] as Buffer) : Buffer.concat(pieces, this.bodyLength)
    // The line goes back first: the customer's next request, read as this answer is written,
    // may take it. The head's ranges stay valid: only the line's next answer replaces them, and
    // none can come before the exchange has written this one (it does so within onResponse).
    this.release(reuse)
    if (attempt.settle()) attempt.callbacks.onResponse(this.head.statusCode, this.head, body)
  }

  private release(reuse: boolean): void {
    if (reuse) this.pool.release(this)
    else this.destroy()
  }

  private onEnd = (): void => {
    this.ended = true
    // the clerk closed its side: an answer framed by the close ends here
    if (this.attempt !== undefined && this.headDone) {
      const ret = this.parser.finish()
      if (ret === OK || ret === PAUSED) {
        this.keepAlive = false
        this.deliver()
      }
    }
    this.destroy()
  }

  private onError = (err: Error): void => {
    if (this.error === undefined) this.error = err
  }

  private onClose = (): void => {
    this.ended = true
    clearTimeout(this.connectTimer)
    this.parser.destroy()
    this.pool.removed(this)
    const attempt = this.attempt
    this.attempt = undefined
    if (attempt === undefined) return
    attempt.line = undefined
    const err = this.error ?? connectionBroke('the clerk closed the connection before a whole answer')
    if (attempt.sink !== undefined) {
      const sink = attempt.sink
      attempt.sink = undefined
      sink.broke(err)
      return
    }
    // a line that never connected: the request never went out
    if (!this.connected) attempt.written = false
    attempt.fail(err)
  }

  /** the sweep: a busy line past its attempt's deadline, or a stream silent too long */
  check(now: number): void {
    const attempt = this.attempt
    if (attempt === undefined || now < attempt.deadline) return
    if (attempt.sink !== undefined) {
      this.destroy(new EngineError('PROXY_UPSTREAM_TIMEOUT', 'no event in time'))
      return
    }
    if (attempt.settled) return
    const err = new EngineError('PROXY_UPSTREAM_TIMEOUT', 'no whole answer in time')
    this.destroy(err)
  }

  // the parser's events, inside llhttp_execute; offsets are into this.buf

  onMessageBegin(): number {
    this.ranges.begin()
    const attempt = this.attempt
    // an answer with no request waiting for it
    return attempt === undefined || this.complete ? -1 : 0
  }

  onUrl(): number {
    return 0
  }

  onHeaderField(at: number, len: number): number {
    return this.ranges.field(at, len)
  }

  onHeaderValue(at: number, len: number): number {
    return this.ranges.value(at, len)
  }

  onHeadersComplete(statusCode: number, upgrade: boolean, keepAlive: boolean): number {
    const attempt = this.attempt as Attempt
    // we never ask for 100-continue nor an upgrade
    if (statusCode === 100 || statusCode === 101 || upgrade) return -1
    if (statusCode < 200) {
      this.interim = true
      return 1 // 102, 103: informational, no body; the answer follows
    }
    this.headDone = true
    this.keepAlive = keepAlive
    const head = this.head
    head.statusCode = statusCode
    head.buf = this.buf
    head.headEnd = this.ranges.headEnd(this.buf, head.start)
    classifyAnswer(head)
    if (head.eventStream && attempt.callbacks.onStream !== undefined && !attempt.settled) {
      attempt.settle()
      attempt.sink = attempt.callbacks.onStream(statusCode, head)
      attempt.deadline = performance.now() + this.pool.options.upstreamTimeoutMs
    }
    return attempt.noBody ? 1 : 0
  }

  onBody(at: number, len: number): number {
    const attempt = this.attempt as Attempt
    const piece = this.buf.subarray(at, at + len)
    if (attempt.sink !== undefined) {
      attempt.deadline = performance.now() + this.pool.options.upstreamTimeoutMs
      attempt.sink.data(piece)
      return 0
    }
    if (attempt.settled) return 0
    this.bodyLength += len
    if (this.bodyLength > this.pool.options.responseCapBytes) {
      this.error = new EngineError('PROXY_RESPONSE_TOO_LARGE', `answer over ${this.pool.options.responseCapBytes} bytes`)
      return -1
    }
    this.pieces.push(piece)
    return 0
  }

  onMessageComplete(): number {
    if (this.interim) {
      this.interim = false
      this.interimDone = true
      return PAUSED
    }
    this.complete = true
    return PAUSED
  }
}

/** The lines to one clerk and the attempts waiting for one. */
class ClerkPool {
  private readonly idle: ClerkLine[] = []
  private readonly waiting: Attempt[] = []
  /** every open line, idle or busy */
  readonly lines = new Set<ClerkLine>()
  readonly url: URL
  /** called once no attempt is in flight (close()) */
  onQuiet: (() => void) | undefined

  constructor(
    target: ForwardTarget,
    readonly options: EngineOptions,
  ) {
    this.url = target.url
  }

  dispatch(attempt: Attempt): void {
    while (this.idle.length > 0) {
      const line = this.idle.pop() as ClerkLine // the most recently used: warm, least likely closed
      if (line.reusable) {
        line.send(attempt)
        return
      }
      line.destroy()
    }
    if (this.lines.size < this.options.connectionsPerClerk) {
      this.lines.add(new ClerkLine(this, attempt))
      return
    }
    this.waiting.push(attempt)
  }

  /** a line is free: the next waiting attempt takes it, or it waits idle */
  release(line: ClerkLine): void {
    while (this.waiting.length > 0) {
      const attempt = this.waiting.shift() as Attempt
      if (attempt.settled) continue // aborted or timed out while waiting
      line.send(attempt)
      return
    }
    line.idleSince = performance.now()
    this.idle.push(line)
    if (this.active === 0) this.onQuiet?.()
  }

  /** a line closed: a waiting attempt gets a new one */
  removed(line: ClerkLine): void {
    this.lines.delete(line)
    const i = this.idle.indexOf(line)
    if (i >= 0) this.idle.splice(i, 1)
    while (this.waiting.length > 0) {
      const attempt = this.waiting.shift() as Attempt
      if (attempt.settled) continue
      this.lines.add(new ClerkLine(this, attempt))
      return
    }
    if (this.active === 0) this.onQuiet?.()
  }

  get active(): number {
    return this.lines.size - this.idle.length
  }

  sweep(now: number): void {
    const idleBefore = now - this.options.keepAliveIdleMs
    for (const line of this.lines) {
      if (line.attempt !== undefined) line.check(now)
      else if (line.connected && line.idleSince <= idleBefore) line.destroy()
    }
    for (const attempt of this.waiting)
      if (!attempt.settled && now >= attempt.deadline) attempt.fail(new EngineError('PROXY_UPSTREAM_TIMEOUT', 'no connection to the clerk in time'))
  }

  destroyAll(): void {
    for (const attempt of this.waiting.splice(0)) attempt.fail(connectionBroke('the proxy is shutting down'))
    for (const line of [...this.lines]) line.destroy()
  }
}

/** The fast path's engine (see the top of this file). */
export class ClerkLines {
  private readonly pools = new Map<string, ClerkPool>()
  private readonly all = new Set<ClerkPool>()
  private readonly sweep: NodeJS.Timeout

  constructor(private readonly options: EngineOptions) {
    this.sweep = setInterval(() => {
      const now = performance.now()
      for (const pool of this.all) pool.sweep(now)
    }, SWEEP_MS)
    this.sweep.unref()
  }

  forward(target: ForwardTarget, bytes: Buffer, callbacks: ForwardCallbacks<AnswerHead>, noBody = false): Abortable {
    const attempt = new Attempt(bytes, callbacks, this.options.upstreamTimeoutMs, noBody)
    this.poolFor(target).dispatch(attempt)
    return attempt
  }

  private poolFor(target: ForwardTarget): ClerkPool {
    let pool = this.pools.get(target.id)
    // a clerk whose address changed (discovery: a new URL object) gets a new pool; the old one's lines idle out
    if (pool === undefined || (pool.url !== target.url && pool.url.host !== target.url.host)) {
      pool = new ClerkPool(target, this.options)
      this.pools.set(target.id, pool)
      this.all.add(pool)
    }
    return pool
  }

  /** waits for the attempts in flight (each has its deadline), then closes every line */
  async close(): Promise<void> {
    const quiet = [...this.all].map(
      (pool) =>
        new Promise<void>((resolve) => {
          if (pool.active === 0) return resolve()
          pool.onQuiet = resolve
          setTimeout(resolve, this.options.upstreamTimeoutMs + 1_000).unref()
        }),
    )
    await Promise.all(quiet)
    clearInterval(this.sweep)
    for (const pool of this.all) pool.destroyAll()
    this.pools.clear()
    this.all.clear()
  }
}
