import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import { NO_DIALOGUE, type DialogueState } from '../clerk/dialogue.js'
import type { McpCarrier } from './mcp-carrier.js'

/** One stateful MCP session: the SDK's server and transport, and the dialogue, in this clerk's memory. */
export interface StatefulMcpSession {
  server: McpServer
  transport: StreamableHTTPServerTransport
  dialogue: DialogueState
  expiresAt: number
}

/**
 * The stateful MCP sessions of one clerk, capped and expiring like the HTTP sessions
 * (memory-session-store.ts): a session is forgotten `ttlMs` after its last request (checked on
 * read, swept every minute), and at most `max` are held; when full, a new session is refused
 * (503) rather than pushing a live one out. Another clerk, or this one after a restart, knows
 * none of them: the client gets 404 "Session not found" and must initialize again.
 */
export class StatefulMcpSessions {
  readonly #entries = new Map<string, StatefulMcpSession>()
  readonly #timer: NodeJS.Timeout

  constructor(
    private readonly max: number,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
    sweepMs = 60_000, // 1 min
  ) {
    this.#timer = setInterval(() => this.sweep(), sweepMs)
    this.#timer.unref()
  }

  get size(): number {
    return this.#entries.size
  }

  /** the live session, its lifetime renewed; undefined when unknown or expired */
  get(id: string): StatefulMcpSession | undefined {
    const entry = this.#entries.get(id)
    if (entry === undefined) return undefined
    if (entry.expiresAt <= this.now()) {
      this.#drop(id, entry)
      return undefined
    }
    entry.expiresAt = this.now() + this.ttlMs
    return entry
  }

  /** true when one more session fits (after dropping the expired ones) */
  hasRoom(): boolean {
    if (this.#entries.size < this.max) return true
    this.sweep()
    return this.#entries.size < this.max
  }

  add(id: string, entry: StatefulMcpSession): void {
    entry.expiresAt = this.now() + this.ttlMs
    this.#entries.set(id, entry)
  }

  delete(id: string): void {
    this.#entries.delete(id)
  }

  /** seconds until the oldest session expires: the Retry-After of a refusal when full */
  retryAfterSeconds(): number {
    const oldest = this.#entries.values().next().value
    return oldest ? Math.max(1, Math.ceil((oldest.expiresAt - this.now()) / 1000)) : 1
  }

  sweep(): number {
    const now = this.now()
    let dropped = 0
    for (const [id, entry] of this.#entries) {
      if (entry.expiresAt > now) continue
      this.#drop(id, entry)
      dropped++
    }
    return dropped
  }

  close(): void {
    clearInterval(this.#timer)
    for (const [id, entry] of this.#entries) this.#drop(id, entry)
  }

  #drop(id: string, entry: StatefulMcpSession): void {
    this.#entries.delete(id)
    void entry.server.close().catch(() => {})
  }
}

/** the dialogue of one stateful session, kept in its entry */
export function statefulMcpCarrier(session: Pick<StatefulMcpSession, 'dialogue'>): McpCarrier {
  return {
    mode: 'stateful',
    load: () => (session.dialogue.step === 'none' ? { state: NO_DIALOGUE, lostReason: 'no_session' } : { state: session.dialogue }),
    save(next) {
      session.dialogue = next
      return {}
    },
  }
}
