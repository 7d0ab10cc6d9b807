import net from 'node:net'
import { performance } from 'node:perf_hooks'
import { buildAnswer, buildRequest, classifyAnswer, classifyRequest, HeadRanges, type RequestFacts } from './head-splice.js'
import { listenArgs, type LadderClerk } from './ladder-args.js'
import { METHOD_HEAD, OK, OffsetParser, PAUSED, REQUEST, RESPONSE, type OffsetHandler } from '../../../proxy/fast/offset-parser.js'

/**
 * Rung e: rung d + the per-request features in their cheapest form, with no object per request
 * (the request in flight lives in its Customer's fields; a customer's pipelined requests wait,
 * unparsed, until the answer before them is written):
 * - the route (a byte prefix of the target) and its row of a route table: per-try timeout, which
 *   failures are retried once the request may have been sent; unknown paths get a 404;
 * - the policy: the lb_clerk cookie's clerk if it is up and not yet tried, else round robin over
 *   clerks up, not drained, not yet tried; Set-Cookie for the route's path when not pinned;
 * - per-try deadlines: one 50-ms interval sweeping the busy connections (LADDER_TIMER=per-try:
 *   a setTimeout per try instead, to price it); the request's deadline in X-Request-Deadline;
 * - retries: never sent → always; sent → if the route retries that failure and repeating is
 *   harmless (idempotent method, Idempotency-Key, or a route idempotent by design); at most 3
 *   attempts on distinct clerks, the built request kept for replay with its deadline rewritten;
 *   X-Retried on the answer; 502/503/504 JSON when no retry is left;
 * - counters per clerk and route, in-flight, a latency histogram bucket per answer, a stats
 *   object built every second (the `stats` event), a clerk refusing connections marked down 2 s;
 * - customer limits: connection cap, request size cap, 30-s request timeout, 65-s idle close,
 *   swept once a second.
 */

const TIMER = process.env.LADDER_TIMER === 'per-try' ? 'per-try' : 'sweep'
const POOL_MAX = 64
const REQUEST_TIMEOUT_MS = 10_000 // 10 s: the whole request's deadline (PROXY_UPSTREAM_TIMEOUT_MS)
const SWEEP_MS = 50 // per-try deadlines are checked this often
const CUSTOMER_SWEEP_MS = 1_000 // 1 s
const CUSTOMER_REQUEST_MS = 30_000 // 30 s for a request to arrive whole
const CUSTOMER_IDLE_MS = 65_000 // 65 s kept-alive and silent
const CUSTOMER_CAP = 1024
const REQUEST_CAP = 1024 * 1024 + 64 * 1024 // 1 MiB of body + 64 KiB of head
const DOWN_MS = 2_000 // 2 s: a clerk refusing connections is skipped this long
const MAX_ATTEMPTS = 3
/** llhttp's method numbers for DELETE, GET, HEAD, PUT, OPTIONS, TRACE: repeating them is harmless */
const IDEMPOTENT_METHODS = new Set([0, 1, 2, 4, 6, 7])
/** latency histogram bounds, ms */
const BOUNDS_MS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000]

const REFUSED = 0
const RESET = 1
const GARBLED = 2
const TIMEOUT = 3

interface Route {
  name: string
  prefix: Buffer
  perTryMs: number
  /** by failure (REFUSED, RESET, GARBLED, TIMEOUT): retried once the request may have been sent */
  retryWritten: readonly boolean[]
  /** repeating a request of this route is harmless whatever its method */
  idempotent: boolean
  requests: number
}

const ROUTES: Route[] = [
  { name: 'stateless', prefix: Buffer.from('/stateless/'), perTryMs: 1_000, retryWritten: [true, true, true, true], idempotent: true, requests: 0 },
  { name: 'stateful', prefix: Buffer.from('/stateful/'), perTryMs: 1_000, retryWritten: [true, true, false, false], idempotent: false, requests: 0 },
  { name: 'shared', prefix: Buffer.from('/shared/'), perTryMs: 1_000, retryWritten: [true, true, true, true], idempotent: true, requests: 0 },
  { name: 'orders', prefix: Buffer.from('/orders'), perTryMs: REQUEST_TIMEOUT_MS, retryWritten: [true, false, false, false], idempotent: false, requests: 0 },
]

function routeOf(buf: Buffer, at: number, len: number): Route | undefined {
  next: for (const route of ROUTES) {
    const p = route.prefix
    if (len < p.length) continue
    for (let i = 0; i < p.length; i++) if (buf[at + i] !== p[i]) continue next
    return route
  }
  return undefined
}

const histogram = new Float64Array(BOUNDS_MS.length + 1)
function observe(ms: number): void {
  let i = 0
  while (i < BOUNDS_MS.length && ms > (BOUNDS_MS[i] as number)) i++
  histogram[i] = (histogram[i] as number) + 1
}

function jsonAnswer(status: string, error: string, close: boolean): Buffer {
  const body = `{"error":"${error}"}\n`
  return Buffer.from(`HTTP/1.1 ${status}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n${close ? 'connection: close\r\n' : ''}\r\n${body}`, 'latin1')
}
const BAD_REQUEST = jsonAnswer('400 Bad Request', 'bad_request', true)
const NOT_FOUND = jsonAnswer('404 Not Found', 'not_found', false)
const TOO_LARGE = jsonAnswer('413 Payload Too Large', 'body_too_large', true)
const REQUEST_TIMEOUT = jsonAnswer('408 Request Timeout', 'request_timeout', true)
const OVERLOADED = jsonAnswer('503 Service Unavailable', 'overloaded', true)
const BAD_GATEWAY = jsonAnswer('502 Bad Gateway', 'bad_gateway', false)
const NO_UPSTREAM = jsonAnswer('503 Service Unavailable', 'no_upstream', false)
const GATEWAY_TIMEOUT = jsonAnswer('504 Gateway Timeout', 'gateway_timeout', false)

/** a coarse clock for idle and request timeouts, ticked by the sweep */
let clock = Date.now()
let answered = 0

/** One customer connection and the one request of it in flight (kept for replay until answered). */
class Customer implements OffsetHandler {
  readonly parser = new OffsetParser(REQUEST, this)
  private readonly ranges = new HeadRanges()
  private readonly facts: RequestFacts = { pin: -1, idempotencyKey: false, chunked: false, forwardedFor: -1, twoHosts: false }
  private readonly ip: Buffer
  /** bytes not yet parsed whole, or waiting behind the request in flight */
  private pending: Buffer | undefined
  pendingSince = 0
  idleSince = clock
  busy = false
  closed = false
  // the request in flight
  bytes: Buffer = Buffer.alloc(0)
  private deadlineAt = 0
  route: Route = ROUTES[0] as Route
  private method = 0
  private keepAlive = true
  head = false
  pin = -1
  /** the clerks tried, one bit each */
  private tried = 0
  attempts = 0
  private startedAt = 0
  /** ms since the epoch when the whole request's deadline passes */
  requestDeadline = 0

  constructor(readonly socket: net.Socket) {
    this.ip = Buffer.from(socket.remoteAddress ?? 'unknown', 'latin1')
    customers.add(this)
    socket.on('data', (d: Buffer) => this.read(d))
    socket.on('error', () => socket.destroy())
    socket.on('close', () => {
      this.closed = true
      customers.delete(this)
      this.parser.destroy()
    })
  }

  private read(chunk: Buffer): void {
    let buf = chunk
    if (this.pending !== undefined) {
      buf = Buffer.concat([this.pending, chunk])
      this.pending = undefined
      if (this.busy) {
        this.pending = buf // waits, unparsed, behind the request in flight
        return
      }
      this.parser.reset()
    } else if (this.busy) {
      this.pending = chunk
      return
    }
    this.parser.load(buf)
    const ret = this.parser.run(0)
    if (ret === PAUSED) {
      const end = this.parser.errorPos()
      this.parser.resume()
      if (end < buf.length) this.pending = buf.subarray(end) // pipelined: parsed after this one is answered
      this.start(buf, end)
      return
    }
    if (ret !== OK) return this.refuse(BAD_REQUEST)
    if (buf.length > REQUEST_CAP) return this.refuse(TOO_LARGE)
    this.pending = buf
    if (this.pendingSince === 0) this.pendingSince = clock
  }

  private refuse(answer: Buffer): void {
    this.pending = undefined
    this.socket.end(answer)
  }

  /** buf[0, end) is one whole request */
  private start(buf: Buffer, end: number): void {
    this.pendingSince = 0
    const route = routeOf(buf, this.ranges.urlAt, this.ranges.urlLen)
    if (route === undefined) return this.write(NOT_FOUND)
    classifyRequest(buf, this.ranges, cookieIds, this.facts)
    if (this.facts.twoHosts) return this.refuse(BAD_REQUEST)
    const now = Date.now()
    this.requestDeadline = now + REQUEST_TIMEOUT_MS
    const built = buildRequest(buf, 0, end, this.ranges, this.facts, this.ip, now + Math.min(route.perTryMs, REQUEST_TIMEOUT_MS))
    this.bytes = built.bytes
    this.deadlineAt = built.deadlineAt
    this.route = route
    route.requests++
    this.pin = this.facts.pin
    this.tried = 0
    this.attempts = 0
    this.startedAt = performance.now()
    this.busy = true
    this.dispatch()
  }

  /** the policy: the pinned clerk if up and not yet tried, else round robin over those up, not drained, not tried */
  private dispatch(): void {
    let pool: Pool | undefined
    const pinned = this.pin >= 0 ? pools[this.pin] : undefined
    if (pinned !== undefined && pinned.up() && (this.tried & pinned.bit) === 0) pool = pinned
    else {
      this.pin = -1 // redispatched, or never pinned: the answer pins anew
      for (let n = 0; n < pools.length && pool === undefined; n++) {
        const p = pools[turn++ % pools.length] as Pool
        if (p.up() && !p.drained && (this.tried & p.bit) === 0) pool = p
      }
    }
    if (pool === undefined) return this.write(NO_UPSTREAM)
    this.tried |= pool.bit
    this.attempts++
    pool.dispatch(this)
  }

  /** an attempt failed: retry on another clerk if the rules allow, else the customer's 502/503/504 */
  attemptFailed(kind: number, written: boolean): void {
    if (this.closed) return
    const harmless = IDEMPOTENT_METHODS.has(this.method) || this.facts.idempotencyKey || this.route.idempotent
    const now = Date.now()
    if (this.attempts < MAX_ATTEMPTS && now < this.requestDeadline && (!written || (this.route.retryWritten[kind] === true && harmless))) {
      const copy = Buffer.from(this.bytes) // the clerk may still hold the old bytes; a new deadline goes in a copy
      copy.write(String(Math.min(now + this.route.perTryMs, this.requestDeadline)), this.deadlineAt, 'latin1')
      this.bytes = copy
      this.dispatch()
      return
    }
    this.write(kind === TIMEOUT ? GATEWAY_TIMEOUT : kind === REFUSED ? NO_UPSTREAM : BAD_GATEWAY)
  }

  /** the answer, in one write; then the next request, if one waits */
  write(answer: Buffer): void {
    if (this.closed) return
    this.socket.write(answer)
    observe(performance.now() - this.startedAt)
    answered++
    this.busy = false
    this.idleSince = clock
    if (!this.keepAlive) {
      this.socket.end()
      return
    }
    const next = this.pending
    if (next !== undefined) {
      this.pending = undefined
      this.parser.reset()
      this.read(next)
    }
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
    this.method = this.parser.method()
    this.head = this.method === METHOD_HEAD
    return 0
  }
  onBody(at: number, len: number): number {
    return this.ranges.bodyPiece(at, len)
  }
  onMessageComplete(): number {
    return PAUSED
  }
}

/** One kept-alive connection to a clerk, the parser reading its answers, and the attempt it carries. */
class Upstream implements OffsetHandler {
  private readonly socket: net.Socket
  private readonly parser = new OffsetParser(RESPONSE, this)
  customer: Customer | undefined
  private pending: Buffer | undefined
  private keepAlive = true
  private connected = false
  private written = false
  /** ms since the epoch when this try times out */
  deadline = 0
  private timer: NodeJS.Timeout | undefined
  idleSince = clock
  private readonly ranges = new HeadRanges()

  constructor(private readonly pool: Pool) {
    this.socket = net.connect({ host: pool.clerk.host, port: pool.clerk.port, noDelay: true })
    this.socket.on('connect', () => {
      this.connected = true
      if (this.customer !== undefined) this.written = true
    })
    this.socket.on('data', (d: Buffer) => this.read(d))
    this.socket.on('error', () => this.socket.destroy())
    this.socket.on('close', () => this.broken(this.connected ? RESET : REFUSED))
  }

  send(customer: Customer): void {
    this.customer = customer
    this.written = this.connected
    const ms = Math.min(customer.route.perTryMs, customer.requestDeadline - Date.now())
    if (TIMER === 'per-try') this.timer = setTimeout(this.timeOut, ms)
    else this.deadline = Date.now() + ms
    this.pool.inFlight++
    this.pool.requests++
    this.socket.write(customer.bytes)
  }

  timeOut = (): void => {
    if (this.customer === undefined) return
    this.fail(TIMEOUT)
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
      const customer = this.customer as Customer
      const chunked = classifyAnswer(buf, this.ranges)
      const answer = buildAnswer(buf, from, end, this.ranges, chunked, this.extraLines(customer))
      from = end
      this.parser.resume()
      this.complete(customer, answer)
      ret = from === buf.length ? OK : this.parser.run(from)
    }
    if (ret !== OK) return this.fail(GARBLED)
    if (from < buf.length) this.pending = buf.subarray(from)
  }

  /** Set-Cookie when the request was not pinned (or was redispatched), X-Retried after a retry */
  private extraLines(customer: Customer): Buffer | undefined {
    const cookie = customer.pin === this.pool.index ? undefined : this.pool.setCookie.get(customer.route)
    if (customer.attempts <= 1) return cookie
    const retried = Buffer.from(`x-retried: ${customer.attempts - 1}\r\n`, 'latin1')
    return cookie === undefined ? retried : Buffer.concat([cookie, retried])
  }

  private settle(): Customer | undefined {
    const customer = this.customer
    if (customer === undefined) return undefined
    this.customer = undefined
    this.pool.inFlight--
    if (TIMER === 'per-try') clearTimeout(this.timer)
    return customer
  }

  private complete(customer: Customer, answer: Buffer): void {
    this.settle()
    const status = answer[9] as number // the first digit of the status code
    this.pool.answers[status - 0x30] = (this.pool.answers[status - 0x30] ?? 0) + 1
    this.idleSince = clock
    if (this.keepAlive) this.pool.release(this)
    else this.socket.destroy()
    customer.write(answer)
  }

  private fail(kind: number): void {
    const written = this.written
    this.socket.destroy()
    const customer = this.settle()
    if (customer === undefined) return
    this.pool.failures++
    if (kind === REFUSED) this.pool.downUntil = clock + DOWN_MS
    customer.attemptFailed(kind, written)
  }

  private broken(kind: number): void {
    this.parser.destroy()
    this.pool.forget(this)
    this.fail(kind)
  }

  destroy(): void {
    this.socket.destroy()
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

/** A clerk: its kept-alive connections, its counters, its health and drain flags. */
class Pool {
  readonly all: Upstream[] = []
  private readonly idle: Upstream[] = []
  private readonly waiting: Customer[] = []
  readonly bit: number
  /** the Set-Cookie line pinning a customer to this clerk, per route (the cookie's Path is the route's) */
  readonly setCookie = new Map<Route, Buffer>()
  requests = 0
  inFlight = 0
  failures = 0
  /** answers by the first digit of their status */
  readonly answers: number[] = [0, 0, 0, 0, 0, 0]
  downUntil = 0
  drained = false

  constructor(
    readonly clerk: LadderClerk,
    readonly index: number,
  ) {
    this.bit = 1 << index
    for (const route of ROUTES) this.setCookie.set(route, Buffer.from(`set-cookie: lb_clerk=${clerk.id}; Path=/${route.name}; HttpOnly; SameSite=Lax\r\n`, 'latin1'))
  }

  up(): boolean {
    return this.downUntil < clock
  }

  dispatch(customer: Customer): void {
    let up = this.idle.pop()
    if (up === undefined && this.all.length < POOL_MAX) {
      up = new Upstream(this)
      this.all.push(up)
    }
    if (up === undefined) this.waiting.push(customer)
    else up.send(customer)
  }

  release(up: Upstream): void {
    let next = this.waiting.shift()
    while (next !== undefined && next.closed) next = this.waiting.shift()
    if (next === undefined) this.idle.push(up)
    else up.send(next)
  }

  forget(up: Upstream): void {
    this.all.splice(this.all.indexOf(up), 1)
    const at = this.idle.indexOf(up)
    if (at >= 0) this.idle.splice(at, 1)
    const next = this.waiting.shift()
    if (next !== undefined) this.dispatch(next)
  }
}

const { port, clerks } = listenArgs()
const pools = clerks.map((c, i) => new Pool(c, i))
const cookieIds = clerks.map((c) => Buffer.from(c.id, 'latin1'))
const customers = new Set<Customer>()
let turn = 0

// one interval for every per-try deadline (unless LADDER_TIMER=per-try)
setInterval(() => {
  clock = Date.now()
  if (TIMER !== 'sweep') return
  for (const pool of pools) for (const up of pool.all) if (up.customer !== undefined && up.deadline < clock) up.timeOut()
}, SWEEP_MS).unref()

// customers too slow to send a request, or silent too long; the `stats` event
setInterval(() => {
  for (const c of customers) {
    if (c.pendingSince !== 0 && clock - c.pendingSince > CUSTOMER_REQUEST_MS) c.socket.end(REQUEST_TIMEOUT)
    else if (!c.busy && c.pendingSince === 0 && clock - c.idleSince > CUSTOMER_IDLE_MS) c.socket.end()
  }
  const stats = {
    answered,
    histogram: Array.from(histogram),
    routes: ROUTES.map((r) => [r.name, r.requests]),
    clerks: pools.map((p) => ({ id: p.clerk.id, requests: p.requests, inFlight: p.inFlight, failures: p.failures, answers: p.answers, up: p.up(), connections: p.all.length })),
  }
  if (process.env.LADDER_STATS === '1') process.stderr.write(`${JSON.stringify(stats)}\n`)
}, CUSTOMER_SWEEP_MS).unref()

net
  .createServer({ noDelay: true }, (socket) => {
    if (customers.size >= CUSTOMER_CAP) {
      socket.end(OVERLOADED)
      return
    }
    new Customer(socket)
  })
  .listen(port, '127.0.0.1', () => process.stdout.write('up\n'))
