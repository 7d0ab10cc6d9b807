import type { NetworkInterfaceInfo } from 'node:os'
import QRCode from 'qrcode'

/** the page a learner opens: plays its own customers, watches the cluster, offers no admin control */
export const LEARNER_PAGE = '/dashboard/learner.html'

/**
 * Pure: the addresses a room of learners opens when `npm start` listens beyond loopback
 * (PROXY_HOST=0.0.0.0: every IPv4 address of this machine that is not loopback; a given address:
 * that one). None for loopback: nobody else can reach it. No token in these links: a learner's
 * browser sees the cluster and plays its own customers, and every chaos or policy control answers
 * 401 without the admin token.
 *
 * @example
 *   learnerUrls('0.0.0.0', 8080, os.networkInterfaces()) // ['http://192.168.1.20:8080/dashboard/learner.html']
 */
export function learnerUrls(proxyHost: string, port: number, interfaces: NodeJS.Dict<NetworkInterfaceInfo[]>): string[] {
  if (isLoopback(proxyHost)) return []
  if (proxyHost !== '0.0.0.0' && proxyHost !== '::') return [`http://${proxyHost.includes(':') ? `[${proxyHost}]` : proxyHost}:${port}${LEARNER_PAGE}`]
  const urls: string[] = []
  for (const list of Object.values(interfaces)) {
    for (const address of list ?? []) {
      if (address.family === 'IPv4' && !address.internal) urls.push(`http://${address.address}:${port}${LEARNER_PAGE}`)
    }
  }
  return urls
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.')
}

/**
 * The learner address as a QR code for the terminal (two rows of modules per line of text), so a
 * room opens it with a phone's camera instead of typing it. Black on white whatever the
 * terminal's colours, with the quiet zone a camera needs.
 */
export function learnerQrCode(url: string): Promise<string> {
  return QRCode.toString(url, { type: 'terminal', small: true, errorCorrectionLevel: 'L' })
}
