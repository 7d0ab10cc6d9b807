import type { FastifyInstance } from 'fastify'
import { isClerkError } from '../clerk/errors.js'
import type { ClerkRuntime } from '../clerk/runtime.js'
import { MODES } from '../common/vocabulary.js'
import { sendJsonRpcError } from './json-rpc-answers.js'
import type { McpHandlers } from './mcp-handlers.js'

/**
 * `/{stateful|stateless|shared}/mcp`: the laptop shop as an MCP server over Streamable HTTP, with
 * the official SDK's McpServer and StreamableHTTPServerTransport, in the three designs
 * (docs/mcp.md). POST carries JSON-RPC; GET only resumes a cut shared stream (Last-Event-ID):
 * no mode keeps a standalone stream open, since the shop never speaks first; DELETE ends a session.
 * The SDK is loaded on the first MCP request (mcp-handlers.ts).
 */
export function registerMcpRoutes(app: FastifyInstance, runtime: ClerkRuntime): { close(): Promise<void> } {
  let loading: Promise<McpHandlers> | undefined
  const load = () => (loading ??= import('./mcp-handlers.js').then((m) => m.createMcpHandlers(runtime)))
  for (const mode of MODES) {
    app.route({
      method: ['GET', 'POST', 'DELETE'],
      url: `/${mode}/mcp`,
      config: { mode, step: 'mcp' },
      handler: async (request, reply) => {
        reply.hijack()
        reply.raw.setHeader('x-clerk', runtime.options.clerkId)
        try {
          await (await load()).handlers[mode](request, reply)
        } catch (err) {
          if (!isClerkError(err)) app.log.error({ err, mode }, 'mcp request failed')
          const status = isClerkError(err) ? err.statusCode : 500
          sendJsonRpcError(reply.raw, { status, code: -32000, message: isClerkError(err) ? err.message : 'Internal error' })
        }
      },
    })
  }
  return { close: async () => loading && (await loading).close() }
}
