import proxyAddr from '@fastify/proxy-addr'

/**
 * Whose X-Forwarded-For a clerk believes (CLERK_TRUST_PROXY): the client address behind the proxy is
 * what the per-client limit on new sessions counts (new-session-limit.ts). The proxy appends the
 * address it saw to X-Forwarded-For, after whatever the client wrote there itself. So the clerk
 * believes exactly one hop, and only from a peer in CLERK_TRUST_PROXY (addresses, CIDR ranges, or
 * proxy-addr's names loopback, linklocal, uniquelocal): request.ip is then the last address of
 * X-Forwarded-For, the one the proxy added; what a client wrote before it is never read. From any
 * other peer, X-Forwarded-For is ignored and request.ip is the peer itself.
 *
 * What this cannot tell apart: a client that reaches the clerk directly FROM a trusted address
 * (on one host, every local process is "loopback"). Keep clerks reachable by the proxy only.
 *
 * @example
 *   Fastify({ trustProxy: trustOneProxyHop('loopback') })
 *   // peer 127.0.0.1, X-Forwarded-For "6.6.6.6, 203.0.113.9" → request.ip 203.0.113.9
 */
export function trustOneProxyHop(list: string | undefined): ((address: string, hop: number) => boolean) | false {
  if (list === undefined) return false
  const trusted = proxyAddr.compile(parseTrustProxy(list))
  return (address, hop) => hop === 0 && trusted(address, hop)
}

/** the entries of CLERK_TRUST_PROXY; throws (proxy-addr's sentence) on one that is not an address */
export function parseTrustProxy(list: string): string[] {
  const entries = list
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
  proxyAddr.compile(entries) // throws on "not-an-address"
  return entries
}
