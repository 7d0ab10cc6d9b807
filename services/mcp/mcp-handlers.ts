import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { NO_DIALOGUE } from '../clerk/dialogue.js'
import type { ClerkRuntime } from '../clerk/runtime.js'
import type { Mode } from '../common/vocabulary.js'
import { JSON_RPC, sendJsonRpcError } from './json-rpc-answers.js'
import { newMcpSessionId, readSessionIdHeader } from './mcp-session-id.js'
import { payJournal } from './pay-journal.js'
import { RedisEventStore, SessionStreams } from './redis-event-store.js'
import { SharedMcpSessions, sharedMcpCarrier } from './shared-mcp.js'
import { resumeStream } from './shared-resume.js'
import { registerShopTools, type ShopToolsContext } from './shop-tools.js'
import { StatefulMcpSessions, statefulMcpCarrier, type StatefulMcpSession } from './stateful-mcp.js'
import { statelessMcpCarrier } from './stateless-mcp.js'

const SERVER_INFO = { name: 'clerk-cluster-laptop-shop', version: '1.0.0' }
// the `retry:` of the priming event: how soon an SDK client comes back for a cut stream
const CLIENT_RETRY_MS = 250 // ms
const STREAM_TTL_MS = 10 * 60_000 // 10 min: a cut stream can be resumed this long after its last event
// SSE comments on an idle stream, well inside the proxy's upstream deadline (its idle limit for streams)
const KEEP_ALIVE_MS = 5_000 // 5 s

/**
 * The SDK side of /{mode}/mcp (mcp-routes.ts loads this module on the first MCP request: the SDK
 * takes a second or two of CPU to import, which a clerk that only serves HTTP should not pay at
 * start). One handler per design (docs/mcp.md).
 */
export interface McpHandlers {
  readonly handlers: Record<Mode, (request: FastifyRequest, reply: FastifyReply) => Promise<void>>
  close(): void
}

export function createMcpHandlers(runtime: ClerkRuntime): McpHandlers {
  const { options } = runtime
  const stateful = new StatefulMcpSessions(options.mcpSessionsMax, options.sessionTtlMs)
  const shared = new SharedMcpSessions(runtime.redis, options.sessionTtlMs)
  const leaseMs = Math.max(1_000, 3 * options.mcpPayStepMs)
  return {
    handlers: {
      stateless: (request, reply) => serveOnce(request, reply, { runtime, carrier: statelessMcpCarrier(options) }),
      stateful: (request, reply) => serveStateful(request, reply, runtime, stateful),
      shared: (request, reply) => serveShared(request, reply, runtime, shared, leaseMs),
    },
    close: () => stateful.close(),
  }
}

function sessionHeader(request: FastifyRequest): { given: boolean; id: string | undefined } {
  const raw = request.headers['mcp-session-id']
  return { given: raw !== undefined, id: readSessionIdHeader(raw) }
}

/** a fresh SDK server and session-less transport for one request (stateless, shared) */
async function serveOnce(request: FastifyRequest, reply: FastifyReply, tools: ShopToolsContext, eventStore?: RedisEventStore): Promise<void> {
  if (request.method !== 'POST') {
    sendJsonRpcError(reply.raw, JSON_RPC.methodNotAllowed, { allow: 'POST' })
    return
  }
  const server = new McpServer(SERVER_INFO)
  registerShopTools(server, tools)
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    keepAliveMs: KEEP_ALIVE_MS,
    ...(eventStore && { eventStore, retryInterval: CLIENT_RETRY_MS }),
  })
  reply.raw.once('close', () => void server.close().catch(() => {}))
  await server.connect(transport)
  await transport.handleRequest(request.raw, reply.raw, request.body)
}

async function serveStateful(request: FastifyRequest, reply: FastifyReply, runtime: ClerkRuntime, sessions: StatefulMcpSessions): Promise<void> {
  const header = sessionHeader(request)
  if (request.method === 'GET') return sendJsonRpcError(reply.raw, JSON_RPC.methodNotAllowed, { allow: 'POST, DELETE' })
  if (header.given) {
    const session = header.id === undefined ? undefined : sessions.get(header.id)
    if (session === undefined) return sendJsonRpcError(reply.raw, JSON_RPC.sessionNotFound)
    return session.transport.handleRequest(request.raw, reply.raw, request.body)
  }
  if (request.method !== 'POST' || !isInitializeRequest(request.body)) return sendJsonRpcError(reply.raw, JSON_RPC.sessionRequired)
  if (!sessions.hasRoom()) {
    const retryAfter = sessions.retryAfterSeconds()
    return sendJsonRpcError(
      reply.raw,
      { status: 503, code: -32000, message: `This clerk holds as many MCP sessions as it may; try again in ${retryAfter} s, or use the stateless or shared mode.` },
      { 'retry-after': String(retryAfter) },
    )
  }
  const id = newMcpSessionId(runtime.options.clerkId)
  const entry = { dialogue: NO_DIALOGUE, expiresAt: 0 } as StatefulMcpSession
  entry.server = new McpServer(SERVER_INFO)
  registerShopTools(entry.server, { runtime, carrier: statefulMcpCarrier(entry) })
  entry.transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: () => id,
    keepAliveMs: KEEP_ALIVE_MS,
    onsessioninitialized: (sid) => sessions.add(sid, entry),
    onsessionclosed: (sid) => sessions.delete(sid),
  })
  await entry.server.connect(entry.transport)
  await entry.transport.handleRequest(request.raw, reply.raw, request.body)
}

async function serveShared(request: FastifyRequest, reply: FastifyReply, runtime: ClerkRuntime, sessions: SharedMcpSessions, leaseMs: number): Promise<void> {
  const header = sessionHeader(request)
  const initialize = request.method === 'POST' && !header.given && isInitializeRequest(request.body)
  if (!initialize && !header.given) return sendJsonRpcError(reply.raw, JSON_RPC.sessionRequired)
  let sessionId = header.id
  if (initialize) {
    sessionId = newMcpSessionId(runtime.options.clerkId)
    await sessions.create(sessionId)
    reply.raw.setHeader('mcp-session-id', sessionId)
  } else if (sessionId === undefined || (await sessions.load(sessionId)) === undefined) {
    return sendJsonRpcError(reply.raw, JSON_RPC.sessionNotFound)
  }
  const id = sessionId
  const carrier = sharedMcpCarrier(sessions, id)
  const streams = new SessionStreams(runtime.redis, { sessionId: id, ttlMs: STREAM_TTL_MS, leaseMs })
  if (request.method === 'DELETE') {
    await sessions.delete(id)
    reply.raw.writeHead(200).end()
    return
  }
  if (request.method === 'GET') {
    const lastEventId = request.headers['last-event-id']
    if (typeof lastEventId !== 'string') return sendJsonRpcError(reply.raw, JSON_RPC.methodNotAllowed, { allow: 'POST, DELETE' })
    return resumeStream({ runtime, streams, carrier, sessionId: id, warn: (line) => request.log.warn(line) }, reply.raw, lastEventId)
  }
  const store = new RedisEventStore(streams)
  const journal = payJournal(runtime.redis, store, runtime.options.clerkId, leaseMs, STREAM_TTL_MS)
  await serveOnce(request, reply, { runtime, carrier, journal }, store)
  // an initialize the transport refused (406 wrong Accept, 415, 400): no session came of it, so
  // none is kept in Redis for the client to never use
  if (initialize && reply.raw.statusCode >= 400) await sessions.delete(id)
}
