import { Pool, type Dispatcher } from 'undici'
import { EngineError, isEventStream, type EngineOptions, type ForwardCallbacks, type ForwardEngine, type ForwardRequest, type ForwardTarget, type StreamSink } from './engine.js'
import { clerkLookup } from '../cached-lookup.js'

/**
 * A handler in undici's dispatch protocol for one attempt. It buffers the whole answer (clerk
 * answers are small), so it never pauses the connection: a paused connection whose customer has
 * gone would never go back to the pool, and the proxy would stall once every connection is stuck.
 * A customer who leaves calls abort(): before the request got a connection we remember it and
 * abort as soon as undici hands us the connection (onConnect); after, we abort at once.
 */
class AttemptHandler implements Dispatcher.DispatchHandler {
  private written = false
  private aborted = false
  private abortUpstream: ((err: Error) => void) | undefined
  private statusCode = 0
  private rawHeaders: string[] = []
  private chunks: Buffer[] = []
  private size = 0
  private settled = false
  private readonly deadline: NodeJS.Timeout
  /** set once the answer turned out to be an event stream (engine.ts: onStream) */
  private sink: StreamSink | undefined
  private idle: NodeJS.Timeout | undefined

  constructor(
    private readonly callbacks: ForwardCallbacks,
    private readonly responseCapBytes: number,
    private readonly upstreamTimeoutMs: number,
    /** undici refused the request's own arguments (see createUndiciEngine) */
    private readonly onRefusedArguments: () => void,
  ) {
    // Our own timer, not undici's headersTimeout/bodyTimeout: undici runs those on its coarse
    // "fast timers" (500 ms ticks, about a second at the least), so PROXY_UPSTREAM_TIMEOUT_MS=100 gave
    // the customer a 504 after a second. One native timer per attempt costs well under a µs.
    this.deadline = setTimeout(this.timeOut, upstreamTimeoutMs)
    this.deadline.unref()
  }

  abort = (): void => {
    if (this.sink !== undefined) {
      // the customer left a stream: stop reading it, and free the clerk's connection
      this.endStream()
      this.abortUpstream?.(new EngineError('PROXY_ABORTED', 'the customer went away'))
      return
    }
    if (this.settled) return
    this.settle() // no callback after an abort
    this.aborted = true
    this.abortUpstream?.(new EngineError('PROXY_ABORTED', 'the customer went away'))
  }

  private timeOut = (): void => {
    if (this.settled) return
    const err = new EngineError('PROXY_UPSTREAM_TIMEOUT', 'no whole answer in time')
    // a request still waiting for a connection is aborted as soon as it gets one (onConnect)
    this.aborted = true
    this.abortUpstream?.(err)
    this.settle()
    this.callbacks.onError(err, this.written)
  }

  private settle(): void {
    this.settled = true
    clearTimeout(this.deadline)
  }

  onConnect(abort: (err?: Error) => void): void {
    if (this.aborted) {
      abort(new EngineError('PROXY_ABORTED', 'the customer went away'))
      return
    }
    this.abortUpstream = abort
    // from here undici writes the request on a connected socket: the clerk may see it
    this.written = true
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[]): boolean {
    this.statusCode = statusCode
    const headers = new Array<string>(rawHeaders.length)
    for (let i = 0; i < rawHeaders.length; i++) headers[i] = (rawHeaders[i] as Buffer).toString('latin1')
    this.rawHeaders = headers
    if (this.callbacks.onStream !== undefined && !this.settled && isEventStream(statusCode, headers)) {
      this.settle()
      this.sink = this.callbacks.onStream(statusCode, headers)
      this.idle = setTimeout(this.streamIdle, this.upstreamTimeoutMs)
      this.idle.unref()
    }
    return true
  }

  // no chunk for PROXY_UPSTREAM_TIMEOUT_MS: the stream is cut, as a hung clerk's answer would be
  private streamIdle = (): void => {
    const sink = this.endStream()
    this.abortUpstream?.(new EngineError('PROXY_UPSTREAM_TIMEOUT', 'no event in time'))
    sink?.broke(new EngineError('PROXY_UPSTREAM_TIMEOUT', 'no event in time'))
  }

  /** forgets the stream (no more calls to its sink); returns the sink, once */
  private endStream(): StreamSink | undefined {
    const sink = this.sink
    this.sink = undefined
    clearTimeout(this.idle)
    return sink
  }

  onData(chunk: Buffer): boolean {
    if (this.sink !== undefined) {
      this.idle?.refresh()
      this.sink.data(chunk)
      return true
    }
    if (this.settled) return true
    this.size += chunk.length
    if (this.size > this.responseCapBytes) {
      this.abortUpstream?.(new EngineError('PROXY_RESPONSE_TOO_LARGE', `answer over ${this.responseCapBytes} bytes`))
      return true
    }
    this.chunks.push(chunk)
    return true
  }

  onComplete(): void {
    if (this.sink !== undefined) {
      this.endStream()?.end()
      return
    }
    if (this.settled) return
    this.settle()
    const body = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks, this.size)
    this.callbacks.onResponse(this.statusCode, this.rawHeaders, body)
  }

  onError(err: Error): void {
    if (this.sink !== undefined) {
      this.endStream()?.broke(err)
      return
    }
    if (this.settled) return
    this.settle()
    const code = (err as { code?: unknown }).code
    if (code === 'UND_ERR_INVALID_ARG' || code === 'UND_ERR_NOT_SUPPORTED') this.onRefusedArguments()
    this.callbacks.onError(err, this.written)
  }
}

/**
 * The undici engine: one Pool per clerk, driven with `dispatch` (the cheapest way through undici:
 * no stream or promise per request).
 */
export function createUndiciEngine(options: EngineOptions): ForwardEngine {
  const pools = new Map<string, Pool>()

  function poolFor(target: ForwardTarget): Pool {
    let pool = pools.get(target.id)
    if (pool === undefined) {
      pool = new Pool(target.url.origin, {
        connections: options.connectionsPerClerk,
        pipelining: 1,
        keepAliveTimeout: options.keepAliveIdleMs,
        // undici also honours the clerk's Keep-Alive hint (minus 1 s), whichever is shorter
        keepAliveMaxTimeout: options.keepAliveIdleMs,
        // the attempt's own deadline answers first (see AttemptHandler); these are a backstop
        headersTimeout: options.upstreamTimeoutMs + 1_000,
        bodyTimeout: options.upstreamTimeoutMs + 1_000,
        connect: { timeout: options.connectTimeoutMs, lookup: clerkLookup },
      })
      // a pool emits 'connectionError' and 'disconnect'; errors reach each request's handler
      pool.on('connectionError', () => {})
      pools.set(target.id, pool)
    }
    return pool
  }

  /**
   * A Pool whose connection refused a request's arguments is replaced. undici (7.x) answers such a
   * request with onError, but its Pool then marks the connection it chose as "needs drain" for
   * good, and skips it from then on: after PROXY_CONNECTIONS such requests every connection to
   * that clerk is skipped, requests queue forever and time out, and the clerk is ejected for it.
   * The HTTP front refuses every request known to get here (two Host lines); this keeps anything
   * else from wedging a clerk. The old pool finishes what it has, and is destroyed once every
   * attempt on it is past its own deadline.
   */
  const retired = new Set<Pool>()
  function retire(id: string, pool: Pool): void {
    if (pools.get(id) !== pool) return
    pools.delete(id)
    retired.add(pool)
    const destroy = () => {
      retired.delete(pool)
      pool.destroy().catch(() => {})
    }
    setTimeout(destroy, options.upstreamTimeoutMs + 1_000).unref()
    pool.close().then(() => retired.delete(pool), destroy)
  }

  return {
    name: 'undici',
    forward(target: ForwardTarget, request: ForwardRequest, callbacks: ForwardCallbacks) {
      const pool = poolFor(target)
      const handler = new AttemptHandler(callbacks, options.responseCapBytes, options.upstreamTimeoutMs, () => retire(target.id, pool))
      pool.dispatch(
        {
          origin: target.url.origin,
          path: request.path,
          method: request.method,
          headers: request.headers,
          body: request.body ?? null,
        },
        handler,
      )
      return handler.abort
    },
    async close() {
      await Promise.all([...pools.values()].map((p) => p.close().catch(() => p.destroy())))
      pools.clear()
      await Promise.all([...retired].map((p) => p.destroy().catch(() => {})))
      retired.clear()
    },
  }
}
