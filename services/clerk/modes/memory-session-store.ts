import { clerkError } from '../errors.js'

/**
 * The stateful mode's session store: this clerk's memory, nothing else. @fastify/session's own
 * MemoryStore keeps every session forever; this one forgets a session `ttlMs` after its last
 * write (checked on read, and swept every minute) and never holds more than `maxEntries`, so a
 * clerk under a load test does not grow until it dies.
 *
 * When it is full, a NEW session takes the place of the oldest FINISHED one (`isFinished`: a
 * paid dialogue, whose customer has nothing left to say but a new ask, which simply starts a new
 * session); with none finished, the new session is refused (503 sessions_full, Retry-After: when
 * the oldest session expires). It never evicts a live dialogue: a flood of new sessions used to
 * push real customers out in the middle of theirs, silently (their pay met "2 of what?").
 * Sessions already stored are always updated.
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
  /** a session that may make way for a new one when the store is full (default: none may) */
  isFinished?: (data: Record<string, unknown>) => boolean
  /** sweep period, ms (default 60 s) */
  sweepMs?: number
  now?: () => number
}

/**
 * What the handoff (handoff.ts) plugs into the store: `claim` is asked on a miss (a dialogue
 * another clerk parked on its way out), `writeThrough` sees every write while this clerk hands
 * its dialogues over (an answer in flight then updates the parked copy too).
 */
export interface SessionStoreHooks {
  claim?: (id: string) => Promise<Record<string, unknown> | null>
  writeThrough?: (id: string, data: Record<string, unknown>, ttlMs: number) => Promise<void>
}

export class MemorySessionStore {
  // Map order = least recently written first; with one TTL for all, also soonest to expire first
  readonly #entries = new Map<string, Entry>()
  /** the finished sessions' ids, least recently written first */
  readonly #finished = new Set<string>()
  readonly #ttlMs: number
  readonly #maxEntries: number
  readonly #isFinished: (data: Record<string, unknown>) => boolean
  readonly #now: () => number
  readonly #timer: NodeJS.Timeout
  /** set by the handoff; none by default */
  hooks: SessionStoreHooks = {}

  constructor({ ttlMs, maxEntries, isFinished = () => false, sweepMs = 60_000, now = Date.now }: MemorySessionStoreOptions) {
    this.#ttlMs = ttlMs
    this.#maxEntries = maxEntries
    this.#isFinished = isFinished
    this.#now = now
    this.#timer = setInterval(() => this.sweep(), sweepMs)
    this.#timer.unref()
  }

  get size(): number {
    return this.#entries.size
  }

  get(id: string, callback: GetCallback): void {
    const entry = this.#entries.get(id)
    if (entry && entry.expiresAt <= this.#now()) this.#delete(id)
    if (entry && entry.expiresAt > this.#now()) {
      callback(null, { ...entry.data })
      return
    }
    const claim = this.hooks.claim
    if (claim === undefined) {
      callback(null, null)
      return
    }
    // a miss may be a dialogue handed over by a clerk that left: take it in, then answer
    claim(id).then(
      (data) => {
        if (data === null || !this.#adopt(id, data)) callback(null, null)
        else callback(null, { ...data })
      },
      () => callback(null, null),
    )
  }

  /** the live (unfinished, unexpired) sessions, with the time each has left, ms */
  *live(): Generator<{ id: string; data: Record<string, unknown>; ttlMs: number }> {
    const now = this.#now()
    for (const [id, entry] of this.#entries) {
      if (entry.expiresAt > now && !this.#finished.has(id)) yield { id, data: entry.data, ttlMs: entry.expiresAt - now }
    }
  }

  /** a handed-over session joins this store like a write (false: no room for it) */
  #adopt(id: string, data: Record<string, unknown>): boolean {
    if (!this.#entries.has(id) && !this.#makeRoom()) return false
    this.#delete(id)
    this.#entries.set(id, { data, expiresAt: this.#now() + this.#ttlMs })
    if (this.#isFinished(data)) this.#finished.add(id)
    return true
  }

  set(id: string, session: object, callback: Callback): void {
    const data: Record<string, unknown> = {}
    for (const key of Object.keys(session)) {
      const value = (session as Record<string, unknown>)[key] as { toJSON?: () => unknown } | undefined
      data[key] = key === 'cookie' && typeof value?.toJSON === 'function' ? value.toJSON() : value
    }
    if (!this.#entries.has(id) && !this.#makeRoom()) {
      callback(this.#full())
      return
    }
    // delete first so the insertion order stays "least recently written first"
    this.#delete(id)
    this.#entries.set(id, { data, expiresAt: this.#now() + this.#ttlMs })
    if (this.#isFinished(data)) this.#finished.add(id)
    const writeThrough = this.hooks.writeThrough
    if (writeThrough === undefined) {
      callback()
      return
    }
    // the answer waits for the parked copy, so the customer's next step finds it up to date
    writeThrough(id, data, this.#ttlMs).then(
      () => callback(),
      () => callback(),
    )
  }

  destroy(id: string, callback: Callback): void {
    this.#delete(id)
    callback()
  }

  /** drops every expired session; returns how many */
  sweep(): number {
    const now = this.#now()
    let dropped = 0
    for (const [id, entry] of this.#entries) {
      if (entry.expiresAt <= now) {
        this.#delete(id)
        dropped++
      }
    }
    return dropped
  }

  close(): void {
    clearInterval(this.#timer)
  }

  /** true when one more session fits: after expired ones go, or the oldest finished one */
  #makeRoom(): boolean {
    if (this.#entries.size < this.#maxEntries) return true
    const now = this.#now()
    // the oldest entries expire first: drop those already expired, without a full sweep
    for (const [id, entry] of this.#entries) {
      if (entry.expiresAt > now || this.#entries.size < this.#maxEntries) break
      this.#delete(id)
    }
    if (this.#entries.size < this.#maxEntries) return true
    const finished = this.#finished.values().next()
    if (finished.done) return false
    this.#delete(finished.value)
    return true
  }

  #full(): Error {
    const oldest = this.#entries.values().next().value
    const waitS = oldest ? Math.max(1, Math.ceil((oldest.expiresAt - this.#now()) / 1000)) : 1
    return clerkError('CLERK_ERR_SESSIONS_FULL', {
      message: `This clerk holds as many live dialogues as it may (${this.#maxEntries}); it will not drop one to start yours. Try again in ${waitS} s, or use the stateless or shared mode.`,
      retryAfterSeconds: waitS,
    })
  }

  #delete(id: string): void {
    this.#entries.delete(id)
    this.#finished.delete(id)
  }
}
