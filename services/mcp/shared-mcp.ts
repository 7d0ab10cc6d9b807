import type { Redis } from 'ioredis'
import { NO_DIALOGUE, readDialogueState, type DialogueState } from '../clerk/dialogue.js'
import { clerkError } from '../clerk/errors.js'
import { describeRedisFailure } from '../clerk/redis-client.js'
import type { McpCarrier } from './mcp-carrier.js'

/**
 * shared MCP: the session and its dialogue in Redis (`mcp:session:<id>`, expiring like the HTTP
 * sessions), so any clerk continues any session. Each request gets a fresh SDK server and
 * transport (the transport runs without a session of its own; the session is checked here), as
 * the SDK's stateless examples do; the events of its stream go to Redis (redis-event-store.ts).
 */
const SESSION_KEY = (id: string) => `mcp:session:${id}`

export class SharedMcpSessions {
  constructor(
    private readonly redis: Redis,
    private readonly ttlMs: number,
  ) {}

  async create(id: string): Promise<void> {
    await this.#call(() => this.redis.set(SESSION_KEY(id), JSON.stringify(NO_DIALOGUE), 'PX', this.ttlMs))
  }

  /** the session's dialogue, or undefined when there is no such session (expired, deleted, never made) */
  async load(id: string): Promise<DialogueState | undefined> {
    const json = await this.#call(() => this.redis.get(SESSION_KEY(id)))
    if (json === null) return undefined
    try {
      return readDialogueState(JSON.parse(json)) ?? NO_DIALOGUE
    } catch {
      return NO_DIALOGUE
    }
  }

  async save(id: string, state: DialogueState): Promise<void> {
    await this.#call(() => this.redis.set(SESSION_KEY(id), JSON.stringify(state), 'PX', this.ttlMs))
  }

  async delete(id: string): Promise<void> {
    await this.#call(() => this.redis.del(SESSION_KEY(id)))
  }

  async #call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (err) {
      throw clerkError('CLERK_ERR_REDIS_UNAVAILABLE', { message: `The session store (Redis) is unavailable: ${describeRedisFailure(err as Error)}.` })
    }
  }
}

export function sharedMcpCarrier(sessions: SharedMcpSessions, sessionId: string): McpCarrier {
  return {
    mode: 'shared',
    async load() {
      const state = await sessions.load(sessionId)
      if (state === undefined) return { state: NO_DIALOGUE, lostReason: 'session_unknown' }
      return state.step === 'none' ? { state, lostReason: 'no_session' } : { state }
    },
    async save(next) {
      await sessions.save(sessionId, next)
      return {}
    },
  }
}
