import type { Redis } from 'ioredis'
import { describeRedisFailure } from './redis-client.js'
import type { MemorySessionStore } from './modes/memory-session-store.js'
import type { RedisBreaker } from './redis-breaker.js'

/**
 * The stateful handoff: "tell the next clerk what the customer said before leaving".
 *
 * A stateful clerk told to leave (SIGTERM: `npm run chaos -- terminate|remove`, docker stop, a
 * Kubernetes rollout) parks each live dialogue in Redis under `clerk:handoff:<session id>` (JSON
 * `{"from":clerk,"session":{…}}`, expiring when the session would have) before it turns customers
 * away. The proxy then does what it always does with a sticky customer whose clerk refuses or is
 * down: it retries the request on another clerk and re-pins the customer there (a new `lb_clerk`
 * cookie, `X-Redispatched: 1`). That clerk does not know the session id the customer's
 * `stateful_sid` cookie names (signed with the SESSION_SECRET every clerk shares), so before
 * answering "2 of what?" it claims the parked dialogue with GETDEL: atomic, so a dialogue is
 * claimed by one clerk at most, and it is gone from Redis once claimed (never duplicated).
 *
 * Why Redis and not a direct transfer to a peer: the clerks already share Redis (the ledger), no
 * clerk needs to know its peers or the proxy, and the customer's next request may land on any
 * clerk (the balancer decides), which finds the dialogue wherever it lands.
 *
 * What it cannot save: a SIGKILL (or a crash, or a lost machine) gives no chance to park anything,
 * so that clerk's dialogues are lost as before; that difference is the lesson (and why shared mode
 * exists). With Redis down the handoff fails, the clerk says so (log, /readyz) and drains as it
 * always did: its dialogues are lost.
 */
export const HANDOFF_PREFIX = 'clerk:handoff:'

export type HandoffState = 'idle' | 'handing-off' | 'done' | 'failed'

/** what /readyz and the proxy see: counts since start, and how the last handoff went */
export interface HandoffReport {
  state: HandoffState
  /** dialogues this clerk parked on its way out */
  parked: number
  /** dialogues this clerk took over from a clerk that left */
  claimed: number
  /** why the handoff failed, in words (state "failed") */
  failure?: string
}

interface ParkedDialogue {
  from: string
  session: Record<string, unknown>
}

export interface DialogueHandoffDeps {
  redis: Redis
  breaker: RedisBreaker
  store: MemorySessionStore
  clerkId: string
  onClaimed?: (from: string) => void
  onParked?: (count: number) => void
}

export class DialogueHandoff {
  #state: HandoffState = 'idle'
  /** each dialogue counts once, however often an answer in flight updates its parked copy */
  readonly #parkedIds = new Set<string>()
  #claimed = 0
  #failure: string | undefined

  constructor(private readonly deps: DialogueHandoffDeps) {}

  report(): HandoffReport {
    const report: HandoffReport = { state: this.#state, parked: this.#parkedIds.size, claimed: this.#claimed }
    if (this.#failure !== undefined) report.failure = this.#failure
    return report
  }

  /** lets the store claim parked dialogues on a miss (every stateful clerk does, whether or not it ever leaves) */
  acceptHandoffs(): void {
    this.deps.store.hooks.claim = (id) => this.claim(id)
  }

  /**
   * Parks every live dialogue, and from now on every write too (an answer in flight when the
   * clerk was told to leave updates its parked copy before the customer gets it). Never throws:
   * a failure is in the report, and the clerk drains as it would have without a handoff.
   */
  async parkAll(): Promise<HandoffReport> {
    this.#state = 'handing-off'
    this.deps.store.hooks.writeThrough = (id, data, ttlMs) => this.#park([{ id, data, ttlMs }])
    const live = [...this.deps.store.live()]
    try {
      if (!this.#redisUsable()) throw new Error('Redis is down or not answering')
      await this.#park(live)
      this.#state = 'done'
    } catch (err) {
      this.#state = 'failed'
      this.#failure = `could not park ${live.length} dialogue(s) in Redis: ${describeRedisFailure(err as Error)}`
      delete this.deps.store.hooks.writeThrough
    }
    return this.report()
  }

  /** the dialogue a clerk that left parked under this session id, taken out of Redis; null if none */
  async claim(id: string): Promise<Record<string, unknown> | null> {
    // a stateful miss must stay fast with Redis away: it is the ordinary "2 of what?" then
    if (!this.#redisUsable()) return null
    const json = await this.deps.redis.getdel(HANDOFF_PREFIX + id)
    if (json === null) return null
    const parked = readParked(json)
    if (parked === null) return null
    this.#claimed++
    this.deps.onClaimed?.(parked.from)
    return parked.session
  }

  async #park(dialogues: readonly { id: string; data: Record<string, unknown>; ttlMs: number }[]): Promise<void> {
    if (dialogues.length === 0) return
    const batch = this.deps.redis.multi()
    for (const d of dialogues) {
      const parked: ParkedDialogue = { from: this.deps.clerkId, session: d.data }
      batch.set(HANDOFF_PREFIX + d.id, JSON.stringify(parked), 'PX', Math.max(1, Math.round(d.ttlMs)))
    }
    const results = await batch.exec()
    const failed = results?.find(([err]) => err !== null)
    if (results === null || failed !== undefined) throw (failed?.[0] as Error | undefined) ?? new Error('the batch was discarded')
    const before = this.#parkedIds.size
    for (const d of dialogues) this.#parkedIds.add(d.id)
    if (this.#parkedIds.size > before) this.deps.onParked?.(this.#parkedIds.size - before)
  }

  #redisUsable(): boolean {
    return this.deps.redis.status === 'ready' && this.deps.breaker.responsive
  }
}

/**
 * A parked record read back: the shape we wrote, or null (garbage, or an older clerk's). The
 * dialogue inside is checked again like a customer's words when the carrier loads it
 * (session-carrier.ts): a record that does not hold a valid dialogue becomes "2 of what?".
 */
export function readParked(json: string): ParkedDialogue | null {
  let value: unknown
  try {
    value = JSON.parse(json)
  } catch {
    return null
  }
  if (typeof value !== 'object' || value === null) return null
  const { from, session } = value as { from?: unknown; session?: unknown }
  if (typeof from !== 'string' || typeof session !== 'object' || session === null || Array.isArray(session)) return null
  return { from, session: session as Record<string, unknown> }
}
