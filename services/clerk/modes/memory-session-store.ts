/**
 * The stateful mode's session store: this clerk's memory, nothing else. @fastify/session's own
 * MemoryStore keeps every session forever; this one forgets a session `ttlMs` after its last
 * write (checked on read, and swept every minute) and never holds more than `maxEntries`
 * (the oldest write goes first), so a clerk under a load test does not grow until it dies.
 *
 * It stores a plain copy of the session's fields, not the live Session object: a request that
 * changes its session and then fails must not leave the change behind.
 */
type Callback = (err?: Error | null) => void
// @fastify/session's Session type is an interface without an index signature; we treat it as data
type GetCallback = (err: any, session?: any) => void // eslint-disable-line @typescript-eslint/no-explicit-any

interface Entry {
  data: Record<string, unknown>
  expiresAt: number
}

export interface MemorySessionStoreOptions {
  ttlMs: number
  maxEntries: number
  /** sweep period, ms (default 60 s) */
  sweepMs?: number
  now?: () => number
}

export class MemorySessionStore {
  readonly #entries = new Map<string, Entry>()
  readonly #ttlMs: number
  readonly #maxEntries: number
  readonly #now: () => number
  readonly #timer: NodeJS.Timeout

  constructor({ ttlMs, maxEntries, sweepMs = 60_000, now = Date.now }: MemorySessionStoreOptions) {
    this.#ttlMs = ttlMs
    this.#maxEntries = maxEntries
    this.#now = now
    this.#timer = setInterval(() => this.sweep(), sweepMs)
    this.#timer.unref()
  }

  get size(): number {
    return this.#entries.size
  }

  get(id: string, callback: GetCallback): void {
    const entry = this.#entries.get(id)
    if (entry && entry.expiresAt <= this.#now()) this.#entries.delete(id)
    callback(null, entry && entry.expiresAt > this.#now() ? { ...entry.data } : null)
  }

  set(id: string, session: object, callback: Callback): void {
    const data: Record<string, unknown> = {}
    for (const key of Object.keys(session)) {
      const value = (session as Record<string, unknown>)[key] as { toJSON?: () => unknown } | undefined
      data[key] = key === 'cookie' && typeof value?.toJSON === 'function' ? value.toJSON() : value
    }
    // delete first so the Map's insertion order stays "least recently written first"
    this.#entries.delete(id)
    this.#entries.set(id, { data, expiresAt: this.#now() + this.#ttlMs })
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value
      if (oldest === undefined) break
      this.#entries.delete(oldest)
    }
    callback()
  }

  destroy(id: string, callback: Callback): void {
    this.#entries.delete(id)
    callback()
  }

  /** drops every expired session; returns how many */
  sweep(): number {
    const now = this.#now()
    let dropped = 0
    for (const [id, entry] of this.#entries) {
      if (entry.expiresAt <= now) {
        this.#entries.delete(id)
        dropped++
      }
    }
    return dropped
  }

  close(): void {
    clearInterval(this.#timer)
  }
}
