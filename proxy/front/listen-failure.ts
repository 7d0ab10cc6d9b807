import { isIP } from 'node:net'

/**
 * One sentence for a failed `listen()`, naming the variable to change, instead of node's stack
 * trace. main.ts prints it after "proxy: " and exits 1; in a cluster the worker that hit it sends
 * it to the primary, which does the same (see cluster/messages.ts, ListenFailed).
 *
 * @example
 *   listenFailure(Object.assign(new Error('bind'), { code: 'EADDRINUSE' }), '127.0.0.1', 4180)
 *   // 'cannot listen on 127.0.0.1:4180 (PROXY_PORT/PROXY_HOST): address already in use'
 */
export function listenFailure(err: unknown, host: string, port: number): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  const where = `cannot listen on ${isIP(host) === 6 ? `[${host}]` : host}:${port}`
  switch (code) {
    case 'EADDRINUSE':
      return `${where} (PROXY_PORT/PROXY_HOST): address already in use`
    case 'EACCES':
      return `${where} (PROXY_PORT): permission denied (ports below 1024 need privileges)`
    case 'EADDRNOTAVAIL':
      return `${where} (PROXY_HOST): PROXY_HOST "${host}" is not an address of this machine`
    // getaddrinfo: a name that does not resolve, or something that is not an IP (999.0.0.1)
    case 'ENOTFOUND':
    case 'EAI_NONAME':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
      return `${where} (PROXY_HOST): PROXY_HOST "${host}" does not resolve`
    default:
      return `${where} (PROXY_PORT/PROXY_HOST): ${(err as Error | undefined)?.message ?? String(err)}`
  }
}
