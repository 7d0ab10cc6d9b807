import { randomUUID } from 'node:crypto'
import { clerkRouteId } from '../common/clerk-route-id.js'

/**
 * MCP session ids a clerk hands out: `<route id>.<uuid>`. The route id names the clerk that made
 * the session (services/common/clerk-route-id.ts), so the proxy's `mcp-session` affinity can send
 * the client back to it without a table. The spec allows visible ASCII (0x21..0x7e) only.
 *
 * @example
 *   newMcpSessionId('clerk-a') // 'Xk3….6f1c0b2e-…'
 */
export function newMcpSessionId(clerkId: string): string {
  return `${clerkRouteId(clerkId)}.${randomUUID()}`
}

const SESSION_ID = /^[\x21-\x7e]{1,200}$/

/** the header's one value when it may be a session id of ours; anything else names no session */
export function readSessionIdHeader(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' && SESSION_ID.test(value) ? value : undefined
}
