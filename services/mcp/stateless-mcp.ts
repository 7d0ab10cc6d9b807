import { NO_DIALOGUE } from '../clerk/dialogue.js'
import { signContext, verifyContext } from '../clerk/context-token.js'
import { clerkError } from '../clerk/errors.js'
import type { ClerkOptions } from '../clerk/options.js'
import type { McpCarrier } from './mcp-carrier.js'

/**
 * stateless MCP: no session at all (the SDK transport with `sessionIdGenerator: undefined`); each
 * tool result returns the signed `context` token (the HTTP stateless mode's, context-token.ts)
 * and the next tool call sends it back, so any clerk answers any call.
 */
export function statelessMcpCarrier(options: Readonly<ClerkOptions>, now: () => number = Date.now): McpCarrier {
  return {
    mode: 'stateless',
    load(args) {
      const context = args.context
      if (context === undefined) return { state: NO_DIALOGUE, lostReason: 'no_context' }
      if (typeof context !== 'string') throw clerkError('CLERK_ERR_CONTEXT_TAMPERED')
      const verified = verifyContext(context, options.sessionSecret, now(), options.contextTtlMs)
      if (!verified.ok) throw clerkError(verified.reason === 'expired' ? 'CLERK_ERR_CONTEXT_EXPIRED' : 'CLERK_ERR_CONTEXT_TAMPERED')
      return { state: verified.state }
    },
    save(next) {
      return { context: signContext(next, options.sessionSecret, now()) }
    },
  }
}
