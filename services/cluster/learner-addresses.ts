import type { NetworkInterfaceInfo } from 'node:os'

/**
 * Pure: the addresses a room of learners opens when `npm start` listens beyond loopback
 * (PROXY_HOST=0.0.0.0: every IPv4 address of this machine that is not loopback; a given address:
 * that one). None for loopback: nobody else can reach it. No token in these links: a learner's
 * browser sees the cluster and plays its own customers, and every chaos or policy control answers
 * 401 without the admin token.
 *
 * @example
 *   learnerUrls('0.0.0.0', 8080, os.networkInterfaces()) // ['http://192.168.1.20:8080/']
 */
export function learnerUrls(proxyHost: string, port: number, interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>): string[] {
  if (isLoopback(proxyHost)) return []
  if (proxyHost !== '0.0.0.0' && proxyHost !== '::') return [`http://${proxyHost.includes(':') ? `[${proxyHost}]` : proxyHost}:${port}/`]
  const urls: string[] = []
  for (const list of Object.values(interfaces)) {
    for (const address of list ?? []) {
      if (address.family === 'IPv4' && !address.internal) urls.push(`http://${address.address}:${port}/`)
    }
  }
  return urls
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.')
}
