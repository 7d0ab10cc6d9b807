import type { RateLimitOptions } from '@fastify/rate-limit'
import type { Redis } from 'ioredis'
import type { AdminTokenCheck } from '../common/admin-token.js'
import type { DialogueHandoff } from './handoff.js'
import type { Ledger } from './ledger.js'
import type { ClerkMetrics } from './metrics.js'
import type { MemorySessionStore } from './modes/memory-session-store.js'
import type { ClerkOptions } from './options.js'
import type { RedisBreaker } from './redis-breaker.js'
import type { WorkGate } from './work-gate.js'

/** What one clerk's routes share; `app.clerk` on the app buildClerk returns. */
export interface ClerkRuntime {
  readonly options: Readonly<ClerkOptions>
  readonly redis: Redis
  /** open (not responsive) after a Redis command timed out, until Redis answers again */
  readonly redisBreaker: RedisBreaker
  readonly ledger: Ledger
  readonly gate: WorkGate
  /** true when a request carries ADMIN_TOKEN (always false without one) */
  readonly isAdmin: AdminTokenCheck
  /** @fastify/rate-limit route config for an ask that may create a session; undefined: no limit */
  readonly newSessionLimit: RateLimitOptions | undefined
  readonly metrics: ClerkMetrics
  readonly statefulSessions: MemorySessionStore
  /** parks live stateful dialogues on the way out, claims those other clerks parked (handoff.ts) */
  readonly handoff: DialogueHandoff
  /** set while the handoff parks dialogues on the way out: customer requests wait for it, then are refused */
  handingOff: Promise<unknown> | undefined
  /** true after SIGTERM: readyz answers 503, new requests get 503 shutting_down */
  draining: boolean
  /** when the last request that was not an operation (/healthz, /readyz, /metrics) arrived, ms */
  lastCustomerRequestAt: number
  /** requests being answered right now (request-tracking.ts: each counted once however it ends) */
  inFlight: number
  /** what POST /_admin/crash does once its 202 is sent (default: SIGKILL this process) */
  readonly crash: () => void
}

/** Route config of dialogue routes: which mode and step a request is, for errors and metrics. */
export interface DialogueRouteConfig {
  mode?: string
  step?: string
  /** the ask of a mode that keeps sessions: at most so many new sessions per client */
  rateLimit?: RateLimitOptions
}

declare module 'fastify' {
  interface FastifyInstance {
    clerk: ClerkRuntime
  }
}
