import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import type { DialogueReply } from '../clerk/dialogue.js'
import { clerkErrors, isClerkError } from '../clerk/errors.js'
import type { ClerkRuntime } from '../clerk/runtime.js'
import type { McpCarrier } from './mcp-carrier.js'

/** a dialogue answer as a tool result: the clerk's line as text, the whole answer as structured content */
export function answer(runtime: ClerkRuntime, carrier: McpCarrier, reply: DialogueReply, saved: object, extra: object = {}): CallToolResult {
  return {
    content: [{ type: 'text', text: reply.say }],
    structuredContent: { clerk: runtime.options.clerkId, mode: carrier.mode, ...reply, ...extra, ...saved },
  }
}

/** a refusal as a tool error: the HTTP API's error name and message, so a client can tell context_lost from the rest */
export function toolError(err: unknown): CallToolResult {
  if (!isClerkError(err)) throw err
  const body = clerkErrors.body(err, err.details ?? {})
  return { isError: true, content: [{ type: 'text', text: body.message }], structuredContent: body }
}
