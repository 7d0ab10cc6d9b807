import net from 'node:net'
import { listenArgs, type LadderClerk } from './ladder-args.js'
import { buildAnswer, buildRequest, classifyAnswer, classifyRequest, HeadRanges, type RequestFacts } from './head-splice.js'
import { METHOD_HEAD, OK, OffsetParser, PAUSED, REQUEST, RESPONSE, type OffsetHandler } from '../../../proxy/fast/offset-parser.js'

/**
 * Rung d: rung c + the head rewrites the proxy must do, on byte ranges llhttp reports
 * (head-splice.ts): hop-by-hop headers dropped, X-Forwarded-For and X-Request-Deadline added, the
 * lb_clerk cookie read for a sticky pin (a pinned request goes to its clerk, others round robin),
 * Idempotency-Key noted, two Host lines refused; on the way back hop-by-hop headers dropped and
 * Set-Cookie added when the request was not pinned. An answer split across reads is parsed again
 * whole once the rest arrives, as a request is.
 *
 * LADDER_SCRATCH=1 (the harness's d-scratch): each connection builds its messages in one buffer
 * of its own, reused once the socket it was written to has taken all of it (writableLength 0),
 * instead of allocating a buffer per message: is the allocation what the rewrites cost?
 */

const BAD_REQUEST = Buffer.from('HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 24\r\nconnection: close\r\n\r\n{"error":"bad_request"}\n')
/** how long a clerk gets, for X-Request-Deadline */
const UPSTREAM_TIMEOUT_MS = 10_000 // 10 s
const BAD_GATEWAY = Buffer.from('HTTP/1.1 502 Bad Gateway\r\ncontent-type: application/json\r\ncontent-length: 24\r\n\r\n{"error":"bad_gateway"}\n')
/** kept-alive connections per clerk at the most */
const POOL_MAX = 64

const SCRATCH = process.env.LADDER_SCRATCH === '1'
const SCRATCH_BYTES = 8 * 1024 // 8 KiB: a bench message is under 1 KiB

/**
 * A connection's buffer for the messages it builds: taken for one message at a time, and free
 * again once that message was written and the socket it went to has taken all of it.
 */
class Scratch {
  private readonly buf = Buffer.allocUnsafeSlow(SCRATCH_BYTES)
  /** a message is being built in it, or waits (queued) to be written */
  private taken = false
  private heldBy: net.Socket | undefined

  take(): Buffer | undefined {
    if (!SCRATCH || this.taken || (this.heldBy !== undefined && this.heldBy.writableLength > 0)) return undefined
    this.taken = true
    this.heldBy = undefined
    return this.buf
  }

  /** the message built: if it did not fit in the scratch, the scratch is free */
  built(bytes: Buffer): Buffer {
    if (bytes.buffer !== this.buf.buffer) this.taken = false
    return bytes
  }

  /** `bytes` went to `socket` (or nowhere: undefined): if they are the scratch, it is held until the socket has taken them */
  wrote(socket: net.Socket | undefined, bytes: Buffer): void {
    if (bytes.buffer !== this.buf.buffer) return
    this.taken = false
    this.heldBy = socket
  }
}

/** One customer connection: its parser and the request it is being answered. */
class Customer implements OffsetHandler {
  readonly parser = new OffsetParser(REQUEST, this)
  /** bytes of a message not yet whole */
  private pending: Buffer | undefined
  private readonly queue: [Buffer, number][] = []
  private busy = false
  private keepAlive = true
  private readonly ranges = new HeadRanges()
  private readonly facts: RequestFacts = { pin: -1, idempotencyKey: false, chunked: false, forwardedFor: -1, twoHosts: false }
  /** `<address>` as bytes, for X-Forwarded-For */
  private readonly ip: Buffer
  readonly scratch = new Scratch()
  head = false
  closed = false

  constructor(readonly socket: net.Socket) {
    this.ip = Buffer.from(socket.remoteAddress ?? 'unknown', 'latin1')
    socket.on('data', (d: Buffer) => this.read(d))
    socket.on('error', () => socket.destroy())
    socket.on('close', () => {
      this.closed = true
      this.parser.destroy()
    })
  }

  private read(chunk: Buffer): void {
    let buf = chunk
    if (this.pending !== undefined) {
      buf = Buffer.concat([this.pending, chunk])
      this.pending = undefined
      this.parser.reset()
    }
    this.parser.load(buf)
    let from = 0
    let ret = this.parser.run(0)
    while (ret === PAUSED) {
      const end = this.parser.errorPos()
      classifyRequest(buf, this.ranges, cookieIds, this.facts)
      if (this.facts.twoHosts) {
        this.socket.end(BAD_REQUEST)
        return
      }
      const built = buildRequest(buf, from, end, this.ranges, this.facts, this.ip, Date.now() + UPSTREAM_TIMEOUT_MS, this.scratch.take())
      this.request(this.scratch.built(built.bytes), this.facts.pin)
      from = end
      this.parser.resume()
      ret = from === buf.length ? OK : this.parser.run(from)
    }
    if (ret !== OK) {
      this.socket.end(BAD_REQUEST)
      return
    }
    if (from < buf.length) this.pending = buf.subarray(from)
  }

  private request(bytes: Buffer, pin: number): void {
    if (this.busy) this.queue.push([bytes, pin])
    else this.send(bytes, pin)
  }

  private send(bytes: Buffer, pin: number): void {
    this.busy = true
    this.pinned = pin >= 0
    ;(pools[pin >= 0 ? pin : turn++ % pools.length] as Pool).dispatch(this, bytes)
  }

  /** the request being answered named its clerk (no Set-Cookie on the answer) */
  pinned = false

  /** the whole answer (or a 502): one write, then the next request in line */
  answer(bytes: Buffer, scratch?: Scratch): void {
    if (this.closed) return scratch?.wrote(undefined, bytes)
    this.socket.write(bytes)
    scratch?.wrote(this.socket, bytes)
    this.busy = false
    if (!this.keepAlive) {
      this.socket.end()
      return
    }
    const next = this.queue.shift()
    if (next !== undefined) this.send(next[0], next[1])
  }

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
    if (upgrade) return -1
    this.keepAlive = keepAlive
    this.head = this.parser.method() === METHOD_HEAD
    return 0
  }
  onBody(at: number, len: number): number {
    return this.ranges.bodyPiece(at, len)
  }
  onMessageComplete(): number {
    return PAUSED
  }
}

/** One kept-alive connection to a clerk and the parser reading its answers. */
class Upstream implements OffsetHandler {
  private readonly socket: net.Socket
  private readonly parser = new OffsetParser(RESPONSE, this)
  private customer: Customer | undefined
  /** the start of an answer not yet whole */
  private pending: Buffer | undefined
  private keepAlive = true
  private readonly ranges = new HeadRanges()
  private readonly scratch = new Scratch()

  constructor(private readonly pool: Pool) {
    this.socket = net.connect({ host: pool.clerk.host, port: pool.clerk.port, noDelay: true })
    this.socket.on('data', (d: Buffer) => this.read(d))
    this.socket.on('error', () => this.socket.destroy())
    this.socket.on('close', () => this.broken())
  }

  send(customer: Customer, bytes: Buffer): void {
    this.customer = customer
    this.socket.write(bytes)
    customer.scratch.wrote(this.socket, bytes)
  }

  private read(chunk: Buffer): void {
    let buf = chunk
    if (this.pending !== undefined) {
      buf = Buffer.concat([this.pending, chunk])
      this.pending = undefined
      this.parser.reset()
    }
    this.parser.load(buf)
    let from = 0
    let ret = this.parser.run(0)
    while (ret === PAUSED) {
      const end = this.parser.errorPos()
      const chunked = classifyAnswer(buf, this.ranges)
      const answer = this.scratch.built(
        buildAnswer(buf, from, end, this.ranges, chunked, (this.customer as Customer).pinned ? undefined : this.pool.setCookie, this.scratch.take()),
      )
      from = end
      this.parser.resume()
      this.complete(answer)
      ret = from === buf.length ? OK : this.parser.run(from)
    }
    if (ret !== OK) {
      this.socket.destroy()
      return
    }
    if (from < buf.length) this.pending = buf.subarray(from)
  }

  private complete(answer: Buffer): void {
    const customer = this.customer as Customer
    this.customer = undefined
    if (this.keepAlive) this.pool.release(this)
    else this.socket.destroy()
    customer.answer(answer, this.scratch)
  }

  private broken(): void {
    this.parser.destroy()
    this.pool.forget(this)
    const customer = this.customer
    this.customer = undefined
    customer?.answer(BAD_GATEWAY)
  }

  onMessageBegin(): number {
    this.ranges.begin()
    return this.customer === undefined ? -1 : 0 // an answer nobody asked for
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
  onHeadersComplete(status: number, upgrade: boolean, keepAlive: boolean): number {
    if (upgrade || status < 200) return -1
    this.keepAlive = keepAlive
    return (this.customer as Customer).head ? 1 : 0
  }
  onBody(at: number, len: number): number {
    return this.ranges.bodyPiece(at, len)
  }
  onMessageComplete(): number {
    return PAUSED
  }
}

/** A clerk's kept-alive connections: idle ones (most recently used first) and requests waiting for one. */
class Pool {
  private readonly idle: Upstream[] = []
  private readonly waiting: [Customer, Buffer][] = []
  private count = 0

  /** the Set-Cookie line that pins a customer to this clerk */
  readonly setCookie: Buffer

  constructor(readonly clerk: LadderClerk) {
    this.setCookie = Buffer.from(`set-cookie: lb_clerk=${clerk.id}; Path=/; HttpOnly; SameSite=Lax\r\n`, 'latin1')
  }

  dispatch(customer: Customer, bytes: Buffer): void {
    let up = this.idle.pop()
    if (up === undefined && this.count < POOL_MAX) {
      up = new Upstream(this)
      this.count++
    }
    if (up === undefined) this.waiting.push([customer, bytes])
    else up.send(customer, bytes)
  }

  release(up: Upstream): void {
    const next = this.waiting.shift()
    if (next === undefined) this.idle.push(up)
    else up.send(next[0], next[1])
  }

  forget(up: Upstream): void {
    this.count--
    const at = this.idle.indexOf(up)
    if (at >= 0) this.idle.splice(at, 1)
    const next = this.waiting.shift()
    if (next !== undefined) this.dispatch(next[0], next[1])
  }
}

const { port, clerks } = listenArgs()
const pools = clerks.map((c) => new Pool(c))
const cookieIds = clerks.map((c) => Buffer.from(c.id, 'latin1'))
let turn = 0
net.createServer({ noDelay: true }, (socket) => new Customer(socket)).listen(port, '127.0.0.1', () => process.stdout.write('up\n'))
