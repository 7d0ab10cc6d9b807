import { Command, type Redis } from 'ioredis'

/**
 * A circuit breaker on the clerk's ioredis client: once a command has timed out, every command
 * fails at once (503 redis_unavailable) until Redis answers a PING again.
 *
 * Why it exists. `commandTimeout` bounds one command, not one request. With enableAutoPipelining
 * ioredis keeps at most one pipeline in flight per connection: commands issued while that pipeline
 * waits on a hung Redis (SIGSTOP, a dead network path) queue in the next pipeline, which is sent only
 * once the first has timed out, and then waits a timeout of its own. Ten concurrent requests took
 * 0.5 s and 1.0 s instead of 0.5 s each. And a hung server leaves the connection 'ready', so without
 * this readiness and clerk_redis_up said "up" while every shared request answered 503.
 *
 * How. The client's sendCommand is wrapped (every path, direct or pipelined, goes through it):
 * closed, commands pass and a "Command timed out" rejection opens the breaker; open, commands are
 * rejected before they are written, including those queued behind the pipeline that timed out (it
 * finishes only after its commands have failed, which opens the breaker first). While open, one
 * PING at a time probes Redis (each bounded by commandTimeout, `probeIntervalMs` apart); the first
 * that answers, or a fresh connection ('ready' after its handshake), closes the breaker. A refused
 * or closed connection does not open it: ioredis already fails those at once.
 *
 * @example
 *   const breaker = new RedisBreaker(redis, { probeIntervalMs: 100, onChange: (up) => log.warn({ up }) })
 *   breaker.responsive // false while a SIGSTOPped Redis is being probed
 *   breaker.stop()     // on close: no more probes (commands keep failing fast while open)
 */
export interface RedisBreakerOptions {
  /** pause between failed probes, ms */
  probeIntervalMs?: number
  /** told when the breaker opens (false) and closes (true) */
  onChange?: (responsive: boolean) => void
}

export const UNRESPONSIVE_MESSAGE = 'Redis timed out recently; failing fast until it answers a PING'

const TIMEOUT_MESSAGE = 'Command timed out' // ioredis Command#setTimeout

export class RedisBreaker {
  readonly #redis: Redis
  readonly #send: Redis['sendCommand']
  readonly #probeIntervalMs: number
  readonly #onChange: (responsive: boolean) => void
  #open = false
  #stopped = false
  #probe: Command | undefined
  #probing = false
  #timer: NodeJS.Timeout | undefined

  constructor(redis: Redis, { probeIntervalMs = 100, onChange = () => {} }: RedisBreakerOptions = {}) {
    this.#redis = redis
    this.#probeIntervalMs = probeIntervalMs
    this.#onChange = onChange
    this.#send = redis.sendCommand.bind(redis)
    redis.sendCommand = (command, stream) => this.#guard(command, stream)
    redis.on('ready', this.#onReady)
  }

  /** false from the first timed-out command until Redis answers again */
  get responsive(): boolean {
    return !this.#open
  }

  /** stops probing (on close); an open breaker keeps failing commands fast, so QUIT does not hang */
  stop(): void {
    this.#stopped = true
    clearTimeout(this.#timer)
    this.#redis.off('ready', this.#onReady)
  }

  #guard(command: Command, stream: Parameters<Redis['sendCommand']>[1]): unknown {
    if (this.#open && command !== this.#probe) {
      command.reject(new Error(UNRESPONSIVE_MESSAGE))
      return command.promise
    }
    const sent = this.#send(command, stream)
    command.promise.catch((err: unknown) => {
      if (err instanceof Error && err.message === TIMEOUT_MESSAGE) this.#trip()
    })
    return sent
  }

  #trip(): void {
    if (this.#open || this.#stopped) return
    this.#open = true
    this.#onChange(false)
    // a probe still out from an earlier outage carries on the loop when it settles
    if (!this.#probing && this.#timer === undefined) this.#sendProbe()
  }

  #close(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    if (!this.#open) return
    this.#open = false
    this.#onChange(true)
  }

  // a fresh connection has just answered its ready check: Redis is answering
  readonly #onReady = (): void => this.#close()

  #sendProbe = (): void => {
    this.#timer = undefined
    if (!this.#open || this.#stopped) return
    const ping = new Command('ping')
    this.#probe = ping
    this.#probing = true
    this.#guard(ping, undefined)
    ping.promise.then(
      () => {
        this.#probing = false
        this.#close()
      },
      () => {
        this.#probing = false
        if (this.#open && !this.#stopped) this.#timer = setTimeout(this.#sendProbe, this.#probeIntervalMs).unref()
      },
    )
  }
}
