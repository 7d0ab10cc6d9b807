import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import { answerOnSocket } from '../../services/common/socket-answer.js'
import { isRouteKey, type RouteKey } from '../../services/common/vocabulary.js'
import type { AffinityRequest } from '../balance/affinity.js'
import { errorBody, overloaded, RETRY_SOON, type ProxyErrorLike } from '../errors.js'
import { classifyPath } from '../front/classify-path.js'
import { clientErrorBody } from '../front/client-errors.js'
import type { BodyBudget } from '../front/request-body.js'
import type { ForwardCallbacks } from '../forward/engines/engine.js'
import { Exchange, type Abortable, type CustomerPort, type CustomerStream, type ExchangeDeps, type ProxyLines } from '../forward/exchange.js'
import type { Upstream } from '../state/upstream.js'
import { LAST_CHUNK, writeAnswer, writeChunk, writeStreamHead, type AddedLines, type AnswerHead } from './answer-head.js'
import type { ClerkLines } from './clerk-lines.js'
import { HeadRanges, writeDigits } from './head-ranges.js'
import { OffsetParser, PAUSED, REQUEST, type OffsetHandler } from './offset-parser.js'
import { buildRequest, classifyRequest, cookieHeader, headerValue, RequestFacts, type BuiltRequest } from './request-head.js'
import { readShared } from './shared-reads.js'

/** What a customer connection needs from the fast front. */
export interface FastContext {
  readonly deps: ExchangeDeps
  readonly lines: ClerkLines
  readonly budget: BodyBudget
  readonly bodyCapBytes: number
  readonly requestTimeoutMs: number
  /** the proxy is shutting down: every answer closes its connection (a field, not a getter: read on every answer) */
  closing: boolean
  /** gives the socket to the node:http front, with the bytes read since the current request's first */
  handOver(socket: Socket, bytes: Buffer | undefined): void
  started(): void
  done(): void
  gone(connection: CustomerConnection): void
}

/** node:http's limit on a request head (16 KiB): a longer one is node:http's to refuse (431) */
const MAX_HEAD_BYTES = 16 * 1024 // 16 KiB
/** a body up to this size that has not all come is waited for on the fast path (each connection holds at most this) */
const WAIT_BODY_BYTES = 16 * 1024 // 16 KiB
/** node:http's keep-alive timeout on the http front */
const KEEP_ALIVE_MS = 65_000 // 65 s

/** the methods the fast path takes, by llhttp's numbers (HEAD, OPTIONS, TRACE, CONNECT… go to node:http) */
const METHODS: readonly (string | undefined)[] = (() => {
  const names: (string | undefined)[] = []
  names[0] = 'DELETE'
  names[1] = 'GET'
  names[3] = 'POST'
  names[4] = 'PUT'
  names[28] = 'PATCH'
  return names
})()

/**
 * One customer connection on the fast path (fast-front.ts), and the port (exchange.ts) of the one
 * request of it in flight: requests are read one at a time (a pipelined one waits, unparsed,
 * until the answer before it is written), so the connection itself is the request's port and
 * holds its facts in fields, with no object per request but the Exchange.
 *
 * A request is parsed from its first byte each time more of it arrives (strict llhttp,
 * offset-parser.ts), until it is whole; once its head is known, only when all of its
 * Content-Length has come. A request the fast path does not take (request-head.ts HAND_OVER, a
 * path outside the dialogue routes and /orders, a method other than GET, POST, PUT, PATCH,
 * DELETE, not HTTP/1.1, a body over PROXY_BODY_CAP, anything llhttp refuses) is handed to the
 * node:http front with the connection, before any answer is owed on it: node:http then does
 * exactly what it does without the fast path.
 */
export class CustomerConnection implements OffsetHandler, CustomerPort<AnswerHead> {
  private readonly parser = new OffsetParser(REQUEST, this)
  private readonly ranges = new HeadRanges()
  private readonly facts = new RequestFacts()
  private readonly ip: Buffer
  /** the bytes of the current request read so far, and how many it needs before it is parsed again */
  private pending: Buffer | undefined
  private needed = 0
  /** bytes that came after the current request, read once its answer is written */
  private queued: Buffer[] = []
  /** the buffer being parsed */
  private buf: Buffer = Buffer.alloc(0)
  private headDone = false
  private headEnd = 0
  private wanted = true
  private keepAlive = true
  private route: RouteKey = 'stateless'
  /** when the current request's first byte came (or the connection opened); 0 between requests */
  private requestSince: number
  private idleSince = 0
  private exchange: Exchange<AnswerHead> | undefined
  private heldBytes = 0
  /** the current request: where it ends in `buf`, and as built for clerks (prepare) */
  private requestEnd = 0
  private request: BuiltRequest | undefined
  private sends = 0
  private ending = false
  private handedOver = false
  private readonly added: AddedLines = { proxy: undefined, date: undefined, close: false }
  /** inside a read into the buffer every customer shares (shared-reads.ts) */
  private inSharedRead = false

  // the port's view of the request in flight (exchange.ts CustomerPort)
  method = 'GET'
  path = '/'
  hasIdempotencyKey = false
  readonly affinity: { headers: { cookie: string | undefined; 'mcp-session-id': string | undefined }; socket: object } & AffinityRequest

  constructor(
    readonly socket: Socket,
    private readonly context: FastContext,
  ) {
    this.ip = Buffer.from(socket.remoteAddress ?? 'unknown', 'latin1')
    this.affinity = { headers: { cookie: undefined, 'mcp-session-id': undefined }, socket }
    this.requestSince = performance.now()
    if (!readShared(socket, this.onSharedBytes)) socket.on('data', this.onData)
    socket.on('error', this.onError)
    socket.once('close', this.onClose)
  }

  /**
   * A read into the buffer every customer shares (shared-reads.ts): what outlives this call is
   * copied (keep). Once node:http has the connection, it gets every read as the socket's data.
   */
  private onSharedBytes = (bytes: Buffer): void => {
    if (this.handedOver) {
      this.socket.push(Buffer.from(bytes))
      return
    }
    this.inSharedRead = true
    try {
      this.onData(bytes)
    } finally {
      this.inSharedRead = false
    }
  }

  /** `bytes`, or a copy of them when they are the shared read buffer's and are kept past this read */
  private keep(bytes: Buffer): Buffer {
    return this.inSharedRead ? Buffer.from(bytes) : bytes
  }

  private onData = (chunk: Buffer): void => {
    if (this.ending) return // after a closing answer the rest is not read
    if (this.exchange !== undefined) {
      // the next request came before this one's answer: read it after
      this.queued.push(this.keep(chunk))
      this.socket.pause()
      return
    }
    this.read(chunk)
  }

  private onError = (): void => {
    this.socket.destroy()
  }

  private onClose = (): void => {
    this.context.gone(this)
    this.parser.destroy()
    const exchange = this.exchange
    if (exchange !== undefined) {
      this.exchange = undefined
      exchange.customerGone()
      this.settled()
    }
  }

  private read(chunk: Buffer): void {
    const buf = this.pending === undefined ? chunk : Buffer.concat([this.pending, chunk])
    this.pending = undefined
    if (this.requestSince === 0) this.requestSince = performance.now()
    if (buf.length < this.needed) {
      this.pending = this.keep(buf)
      return
    }
    this.parse(buf)
  }

  private parse(buf: Buffer): void {
    this.buf = buf
    this.headDone = false
    this.wanted = true
    this.needed = 0
    this.parser.reset()
    this.parser.load(buf)
    const ret = this.parser.run(0)
    if (ret === PAUSED) {
      const end = this.parser.errorPos()
      this.parser.resume()
      if (end < buf.length) this.queued.unshift(this.keep(buf.subarray(end)))
      this.start(buf, end)
      return
    }
    if (ret !== 0 || !this.wanted) {
      // llhttp refused it, or the fast path does not take it: node:http refuses or serves it, as without the fast path
      this.handOver(this.keep(buf))
      return
    }
    if (!this.headDone) {
      if (buf.length > MAX_HEAD_BYTES) this.handOver(this.keep(buf))
      else this.pending = this.keep(buf)
      return
    }
    // A body still coming: a small one is waited for here; a larger one goes to node:http, whose
    // body reading holds it against PROXY_REQUEST_BUFFER_BYTES as it comes (a stalled 1 MB body
    // must not sit here uncounted)
    if (this.facts.contentLength > WAIT_BODY_BYTES) {
      this.handOver(this.keep(buf))
      return
    }
    this.pending = this.keep(buf)
    this.needed = this.headEnd + this.facts.contentLength
  }

  /** node:http takes the connection from the current request's first byte */
  private handOver(current: Buffer | undefined): void {
    this.handedOver = true
    this.context.gone(this)
    this.parser.destroy()
    const socket = this.socket
    socket.removeListener('data', this.onData)
    socket.removeListener('error', this.onError)
    socket.removeListener('close', this.onClose)
    socket.pause()
    const parts = current === undefined ? this.queued : [current, ...this.queued]
    this.queued = []
    this.pending = undefined
    this.context.handOver(socket, parts.length === 0 ? undefined : parts.length === 1 ? parts[0] : Buffer.concat(parts))
  }

  /** buf[0, end) is one whole request the fast path takes */
  private start(buf: Buffer, end: number): void {
    this.requestSince = 0
    this.pending = undefined
    this.needed = 0
    this.context.started()
    const bodyLength = end - this.headEnd
    if (bodyLength > 0 && !this.context.budget.take(bodyLength)) {
      this.context.deps.counters.unrouted(503)
      this.writeJson(overloaded('the request bodies it holds are at PROXY_REQUEST_BUFFER_BYTES'), {}, RETRY_SOON)
      return
    }
    this.heldBytes = bodyLength
    const facts = this.facts
    this.hasIdempotencyKey = facts.hasIdempotencyKey
    this.affinity.headers.cookie = cookieHeader(buf, this.ranges, facts)
    this.affinity.headers['mcp-session-id'] = headerValue(buf, this.ranges, facts.mcpSessionId)
    this.request = undefined
    this.sends = 0
    this.requestEnd = end
    const exchange = new Exchange(this.context.deps, this, this.route)
    this.exchange = exchange
    exchange.start()
  }

  // the port (exchange.ts)

  prepare(proxyKey: string | undefined): void {
    this.request = buildRequest(this.buf, 0, this.requestEnd, this.ranges, this.facts, this.ip, proxyKey)
  }

  send(upstream: Upstream, deadlineEpochMs: number, callbacks: ForwardCallbacks<AnswerHead>): Abortable {
    const request = this.request as BuiltRequest
    // a retry writes its deadline in a copy: the line of the attempt before may still hold the old bytes
    if (this.sends++ > 0) request.bytes = Buffer.from(request.bytes)
    writeDigits(request.bytes, request.deadlineAt, deadlineEpochMs) // 13 digits until the year 2286 (DEADLINE_DIGITS)
    return this.context.lines.forward(upstream, request.bytes, callbacks)
  }

  closes(answer: AnswerHead): boolean {
    return answer.closes
  }

  answer(_statusCode: number, answer: AnswerHead, body: Buffer, lines: ProxyLines): void {
    const added = this.addedLines(lines, answer.date)
    this.socket.write(writeAnswer(answer, body, added))
    this.answered()
  }

  stream(_statusCode: number, answer: AnswerHead, lines: ProxyLines): CustomerStream {
    const socket = this.socket
    socket.write(writeStreamHead(answer, this.addedLines(lines, answer.date)))
    return {
      write: (chunk) => {
        if (chunk.length > 0) socket.write(writeChunk(chunk))
      },
      end: () => {
        socket.write(LAST_CHUNK)
        this.answered()
      },
      destroy: () => socket.destroy(),
    }
  }

  fail(error: ProxyErrorLike, details: Record<string, unknown>, lines: ProxyLines): void {
    const headers: Record<string, string> = {}
    if (lines.retries > 0) headers['x-retried'] = String(lines.retries)
    if (lines.redispatched) headers['x-redispatched'] = '1'
    this.writeJson(error, details, headers)
  }

  /** the proxy's own JSON error, as errors.ts sendError writes it on node:http */
  private writeJson(error: ProxyErrorLike, details: Record<string, unknown>, headers: Readonly<Record<string, string>>): void {
    const status = error.statusCode ?? 500
    const body = `${JSON.stringify(errorBody(error, details))}\n`
    let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n`
    for (const name of Object.keys(headers)) head += `${name}: ${headers[name] as string}\r\n`
    head += `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\ndate: ${new Date().toUTCString()}\r\n`
    head += this.closeAfter() ? 'connection: close\r\n' : 'connection: keep-alive\r\nkeep-alive: timeout=65\r\n'
    this.socket.write(`${head}\r\n${body}`, 'utf8')
    this.answered()
  }

  private closeAfter(): boolean {
    return !this.keepAlive || this.context.closing
  }

  private addedLines(lines: ProxyLines, hasDate: boolean): AddedLines {
    const added = this.added
    added.close = this.closeAfter()
    added.date = hasDate ? undefined : Buffer.from(`date: ${new Date().toUTCString()}\r\n`, 'latin1')
    if (lines.retries === 0 && !lines.redispatched && lines.setCookie === undefined) added.proxy = undefined
    else {
      let text = ''
      if (lines.retries > 0) text += `x-retried: ${lines.retries}\r\n`
      if (lines.redispatched) text += 'x-redispatched: 1\r\n'
      if (lines.setCookie !== undefined) text += `set-cookie: ${lines.setCookie}\r\n`
      added.proxy = Buffer.from(text, 'latin1')
    }
    return added
  }

  /** the answer is written: close, or go on to the next request */
  private answered(): void {
    this.exchange = undefined
    this.settled()
    this.idleSince = performance.now()
    if (this.closeAfter()) {
      this.ending = true
      this.queued = []
      this.socket.end()
      return
    }
    if (this.queued.length === 0) return
    // a pipelined request: read after this call returns (a long pipeline never deepens the stack)
    queueMicrotask(this.readQueued)
  }

  /** the request's budget and its count in flight are given back, once */
  private settled(): void {
    this.context.budget.release(this.heldBytes)
    this.heldBytes = 0
    this.context.done()
  }

  private readQueued = (): void => {
    if (this.handedOver || this.ending || this.socket.destroyed || this.exchange !== undefined) return
    const queued = this.queued
    this.queued = []
    this.socket.resume()
    if (queued.length > 0) this.read(queued.length === 1 ? (queued[0] as Buffer) : Buffer.concat(queued))
  }

  /** the front's sweep: the request deadline (PROXY_REQUEST_TIMEOUT_MS, 408 as node:http's) and the keep-alive idle limit */
  check(now: number): void {
    if (this.ending || this.handedOver || this.exchange !== undefined) return
    if (this.requestSince !== 0 && now - this.requestSince > this.context.requestTimeoutMs) {
      this.ending = true
      const body = clientErrorBody({ name: 'Error', message: 'timeout', code: 'ERR_HTTP_REQUEST_TIMEOUT' }, this.context.requestTimeoutMs)
      this.context.deps.counters.unrouted(body.statusCode)
      answerOnSocket(this.socket, { body }) // the same bytes as node:http's 'clientError' answer
      return
    }
    if (this.requestSince === 0 && now - this.idleSince > KEEP_ALIVE_MS) this.socket.destroy()
  }

  /** at shutdown: a connection between requests closes now; one mid-request after its answer */
  closeIfIdle(): void {
    if (this.exchange === undefined && this.requestSince === 0) this.socket.destroy()
  }

  // the parser's events, inside llhttp_execute; offsets are into this.buf

  onMessageBegin(): number {
    this.ranges.begin()
    return 0
  }

  onUrl(at: number, len: number): number {
    return this.ranges.url(at, len)
  }

  onHeaderField(at: number, len: number): number {
    return this.ranges.field(at, len)
  }

  onHeaderValue(at: number, len: number): number {
    return this.ranges.value(at, len)
  }

  onHeadersComplete(_status: number, upgrade: boolean, keepAlive: boolean): number {
    const parser = this.parser
    const method = METHODS[parser.method()]
    if (upgrade || method === undefined || parser.httpMajor() !== 1 || parser.httpMinor() !== 1) return this.leave()
    const r = this.ranges
    const path = this.buf.toString('latin1', r.urlAt, r.urlAt + r.urlLen)
    const route = classifyPath(path)
    if (!isRouteKey(route)) return this.leave()
    classifyRequest(this.buf, r, this.facts)
    if (this.facts.handOver !== 0 || this.facts.contentLength > this.context.bodyCapBytes) return this.leave()
    const headEnd = r.headEnd(this.buf, 0)
    if (headEnd > MAX_HEAD_BYTES) return this.leave()
    this.method = method
    this.path = path
    this.route = route
    this.keepAlive = keepAlive
    this.headDone = true
    this.headEnd = headEnd
    return 0
  }

  /** the fast path does not take this request: llhttp stops, and the connection is handed over */
  private leave(): number {
    this.wanted = false
    return -1
  }

  onBody(): number {
    return 0
  }

  onMessageComplete(): number {
    return PAUSED
  }
}
