import type { EventStore } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js'
import type { Redis } from 'ioredis'

/**
 * The SDK's EventStore (resumability) kept in Redis, so a stream cut by a clerk's death can be
 * resumed on any clerk with `Last-Event-ID`. Each SSE stream is one Redis stream
 * `mcp:stream:<streamId>`, bounded in length and expiring `ttlMs` after its last event; an event
 * id is `<streamId>_<entry id>`. Every entry also names its MCP session, so a session can resume
 * only its own streams.
 *
 * Writes can be fenced: while a pay is running, only the holder of its lease (pay-journal.ts) may
 * add events to its stream, in one Lua script with the check, so a clerk that lost the lease (it
 * was paused while another clerk took over) can never add an event the client would see twice.
 */
export const STREAM_KEY = (streamId: string) => `mcp:stream:${streamId}`
export const LEASE_KEY = (streamId: string) => `mcp:lease:${streamId}`

const MAX_EVENTS = 1000 // per stream: a pay writes five
const EVENT_ID = /^([0-9a-f-]{36})_(\d{1,20}-\d{1,20})$/

// KEYS: stream, lease. ARGV: owner ('' = unfenced), session id, message JSON, stream ttl ms, max
// length, lease ms. The lease is renewed by each event its owner writes.
const FENCED_XADD = `
if ARGV[1] ~= '' then
  if redis.call('GET', KEYS[2]) ~= ARGV[1] then return redis.error_reply('LEASE_LOST another clerk carries this stream on') end
  redis.call('PEXPIRE', KEYS[2], ARGV[6])
end
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[5], '*', 's', ARGV[2], 'm', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return id
`

type FencedRedis = Redis & { mcpFencedXadd(stream: string, lease: string, ...args: string[]): Promise<string> }

function fenced(redis: Redis): FencedRedis {
  if (!('mcpFencedXadd' in redis)) redis.defineCommand('mcpFencedXadd', { numberOfKeys: 2, lua: FENCED_XADD })
  return redis as FencedRedis
}

export interface StoredEvent {
  eventId: string
  entryId: string
  message: JSONRPCMessage | Record<string, never>
}

/** `<streamId>_<entry id>` → its parts, or undefined for anything else (a bogus Last-Event-ID) */
export function parseEventId(eventId: string): { streamId: string; entryId: string } | undefined {
  const match = EVENT_ID.exec(eventId)
  return match ? { streamId: match[1] as string, entryId: match[2] as string } : undefined
}

export interface StreamEventsOptions {
  sessionId: string
  /** a stream's life after its last event, ms */
  ttlMs: number
  /** a pay's lease, ms (renewed by each event its holder writes) */
  leaseMs: number
}

/** Reading and writing the events of one MCP session's streams. */
export class SessionStreams {
  readonly #redis: FencedRedis

  constructor(
    redis: Redis,
    readonly options: StreamEventsOptions,
  ) {
    this.#redis = fenced(redis)
  }

  /** adds one event; `owner` fences it to the holder of the stream's lease */
  async append(streamId: string, message: JSONRPCMessage | Record<string, never>, owner = ''): Promise<string> {
    const { sessionId, ttlMs, leaseMs } = this.options
    const entryId = await this.#redis.mcpFencedXadd(
      STREAM_KEY(streamId),
      LEASE_KEY(streamId),
      owner,
      sessionId,
      JSON.stringify(message),
      String(ttlMs),
      String(MAX_EVENTS),
      String(leaseMs),
    )
    return `${streamId}_${entryId}`
  }

  /**
   * Every event of a stream in order, or undefined when the stream does not exist or belongs to
   * another session (the caller answers both alike: a Last-Event-ID that names nothing of yours).
   */
  async events(streamId: string, afterEntryId = '-'): Promise<StoredEvent[] | undefined> {
    const start = afterEntryId === '-' ? '-' : `(${afterEntryId}`
    const entries = await this.#redis.xrange(STREAM_KEY(streamId), start, '+')
    if (afterEntryId === '-' && entries.length === 0) return undefined
    const out: StoredEvent[] = []
    for (const [entryId, fields] of entries) {
      const field = (name: string) => fields[fields.indexOf(name) + 1]
      if (field('s') !== this.options.sessionId) return undefined
      out.push({ eventId: `${streamId}_${entryId}`, entryId, message: JSON.parse(field('m') ?? '{}') as JSONRPCMessage })
    }
    return out
  }
}

/**
 * The SDK's EventStore over one request's SessionStreams: the transport stores each event it
 * sends (the priming event first, which tells us the stream's id), fenced once a pay holds the
 * lease. Replays go through shared-resume.ts, which can also finish a dead clerk's pay; this
 * replay only sends what is stored.
 */
export class RedisEventStore implements EventStore {
  /** the id of the stream this request's transport opened (one request, one stream) */
  streamId: string | undefined
  /** the lease this request's pay holds, once it holds one */
  owner = ''

  constructor(private readonly streams: SessionStreams) {}

  async storeEvent(streamId: string, message: JSONRPCMessage): Promise<string> {
    this.streamId ??= streamId
    return this.streams.append(streamId, message, this.owner)
  }

  async getStreamIdForEventId(eventId: string): Promise<string | undefined> {
    return parseEventId(eventId)?.streamId
  }

  async replayEventsAfter(lastEventId: string, { send }: { send: (eventId: string, message: JSONRPCMessage) => Promise<void> }): Promise<string> {
    const parsed = parseEventId(lastEventId)
    if (parsed === undefined) throw new Error('not an event id of this store')
    for (const event of (await this.streams.events(parsed.streamId, parsed.entryId)) ?? []) {
      if (Object.keys(event.message).length > 0) await send(event.eventId, event.message as JSONRPCMessage)
    }
    return parsed.streamId
  }
}
