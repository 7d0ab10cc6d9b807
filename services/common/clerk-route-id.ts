import { createHash } from 'node:crypto'

/**
 * The opaque name of a clerk in whatever routes a client back to it: the proxy's sticky cookie
 * (`lb_clerk=<id>`) and the start of the MCP session ids the clerk hands out (`<id>.<uuid>`, as
 * Tomcat's jvmRoute ends a JSESSIONID). A short hash of the clerk's id, the same in every process
 * and restart, so it routes the same whichever proxy worker reads it, without showing the clerk's
 * name or address. base64url: never a `.`, so the first `.` of a session id ends it.
 *
 * @example
 *   clerkRouteId('clerk-b') // 16 characters of [A-Za-z0-9_-]
 */
export function clerkRouteId(clerkId: string): string {
  return createHash('sha256').update(`clerk-cluster:lb:${clerkId}`).digest('base64url').slice(0, 16)
}
