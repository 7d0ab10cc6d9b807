import net from 'node:net'
import { listenArgs, type LadderClerk } from './ladder-args.js'
import { METHOD_HEAD, OK, OffsetParser, PAUSED, REQUEST, RESPONSE, type OffsetHandler } from '../../../proxy/fast/offset-parser.js'

/**
 * Rung c: per-request balancing. Each customer request is parsed (llhttp, request mode) to find
 * its end, and sent, bytes unchanged, on a kept-alive connection from a per-clerk pool (round
 * robin over clerks, one request at a time per connection). The answer is parsed (llhttp,
 * response mode) to find its end, buffered whole, and written to the customer in one write.
 * A customer's pipelined requests wait their turn; a message split across reads is parsed again
 * whole once the rest arrives (simple, quadratic for big bodies: a prototype's shortcut).
 */

const BAD_REQUEST = Buffer.from('HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 24\r\nconnection: close\r\n\r\n{"error":"bad_request"}\n')
const BAD_GATEWAY = Buffer.from('HTTP/1.1 502 Bad Gateway\r\ncontent-type: application/json\r\ncontent-length: 24\r\n\r\n{"error":"bad_gateway"}\n')
/** kept-alive connections per clerk at the most */
const POOL_MAX = 64

/** One customer connection: its parser and the request it is being answered. */
class Customer implements OffsetHandler {
  readonly parser = new OffsetParser(REQUEST, this)
  /** bytes of a message not yet whole */
  private pending: Buffer | undefined
  private readonly queue: Buffer[] = []
  private busy = false
  private keepAlive = true
  head = false
  closed = false

  constructor(readonly socket: net.Socket) {
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
      this.request(buf.subarray(from, end))
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

  private request(bytes: Buffer): void {
    if (this.busy) this.queue.push(bytes)
    else this.send(bytes)
  }

  private send(bytes: Buffer): void {
    this.busy = true
    ;(pools[turn++ % pools.length] as Pool).dispatch(this, bytes)
  }

  /** the whole answer (or a 502): one write, then the next request in line */
  answer(bytes: Buffer): void {
    if (this.closed) return
    this.socket.write(bytes)
    this.busy = false
    if (!this.keepAlive) {
      this.socket.end()
      return
    }
    const next = this.queue.shift()
    if (next !== undefined) this.send(next)
  }

  onMessageBegin(): number {
    return 0
  }
  onUrl(): number {
    return 0
  }
  onHeaderField(): number {
    return 0
  }
  onHeaderValue(): number {
    return 0
  }
  onHeadersComplete(_status: number, upgrade: boolean, keepAlive: boolean): number {
    if (upgrade) return -1
    this.keepAlive = keepAlive
    this.head = this.parser.method() === METHOD_HEAD
    return 0
  }
  onBody(): number {
    return 0
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
  /** earlier reads of the answer being read */
  private parts: Buffer[] = []
  private keepAlive = true

  constructor(private readonly pool: Pool) {
    this.socket = net.connect({ host: pool.clerk.host, port: pool.clerk.port, noDelay: true })
    this.socket.on('data', (d: Buffer) => this.read(d))
    this.socket.on('error', () => this.socket.destroy())
    this.socket.on('close', () => this.broken())
  }

  send(customer: Customer, bytes: Buffer): void {
    this.customer = customer
    this.socket.write(bytes)
  }

  private read(chunk: Buffer): void {
    this.parser.load(chunk)
    let from = 0
    let ret = this.parser.run(0)
    while (ret === PAUSED) {
      const end = this.parser.errorPos()
      const last = chunk.subarray(from, end)
      const whole = this.parts.length === 0 ? last : Buffer.concat([...this.parts, last])
      this.parts = []
      from = end
      this.parser.resume()
      this.complete(whole)
      ret = from === chunk.length ? OK : this.parser.run(from)
    }
    if (ret !== OK) {
      this.socket.destroy()
      return
    }
    if (from < chunk.length) this.parts.push(chunk.subarray(from))
  }

  private complete(answer: Buffer): void {
    const customer = this.customer as Customer
    this.customer = undefined
    if (this.keepAlive) this.pool.release(this)
    else this.socket.destroy()
    customer.answer(answer)
  }

  private broken(): void {
    this.parser.destroy()
    this.pool.forget(this)
    const customer = this.customer
    this.customer = undefined
    customer?.answer(BAD_GATEWAY)
  }

  onMessageBegin(): number {
    return this.customer === undefined ? -1 : 0 // an answer nobody asked for
  }
  onUrl(): number {
    return 0
  }
  onHeaderField(): number {
    return 0
  }
  onHeaderValue(): number {
    return 0
  }
  onHeadersComplete(status: number, upgrade: boolean, keepAlive: boolean): number {
    if (upgrade || status < 200) return -1
    this.keepAlive = keepAlive
    return (this.customer as Customer).head ? 1 : 0
  }
  onBody(): number {
    return 0
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

  constructor(readonly clerk: LadderClerk) {}

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
let turn = 0
net.createServer({ noDelay: true }, (socket) => new Customer(socket)).listen(port, '127.0.0.1', () => process.stdout.write('up\n'))
