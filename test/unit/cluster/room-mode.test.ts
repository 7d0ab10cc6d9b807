import type { NetworkInterfaceInfo } from 'node:os'
import { describe, expect, it } from 'vitest'
import { renderBanner } from '../../../services/cluster/banner.js'
import { learnerQrCode, learnerUrls } from '../../../services/cluster/learner-addresses.js'
import { readClusterOptions } from '../../../services/cluster/options.js'
import { planCluster } from '../../../services/cluster/plan.js'

// Room mode: `PROXY_HOST=0.0.0.0 npm start` lets a room in through the proxy only (the clerks and
// the launcher stay on loopback) and prints the address learners open, without the token.
const nic = (address: string, family: 'IPv4' | 'IPv6', internal: boolean) => ({ address, family, internal }) as NetworkInterfaceInfo

describe('room mode', () => {
  it('reads PROXY_HOST for npm start, loopback by default, and refuses what is not an address', () => {
    expect(readClusterOptions({}).proxyHost).toBe('127.0.0.1')
    expect(readClusterOptions({ PROXY_HOST: '0.0.0.0' }).proxyHost).toBe('0.0.0.0')
    expect(() => readClusterOptions({ PROXY_HOST: 'http://x/' })).toThrow(/PROXY_HOST/)
  })

  it('opens only the proxy to the room: clerks listen and are reached on loopback', () => {
    const plan = planCluster({
      proxyPort: 8080,
      clerkCount: 2,
      redisUrl: 'redis://127.0.0.1:1',
      adminToken: 'token-123',
      sessionSecret: 's'.repeat(40),
      launcherUrl: 'http://127.0.0.1:45555',
      logLevel: 'warn',
      proxyHost: '0.0.0.0',
    })
    expect(plan.proxy.env.PROXY_HOST).toBe('0.0.0.0')
    expect(plan.proxy.env.PROXY_CLERKS).toBe('clerk-a=http://127.0.0.1:8081,clerk-b=http://127.0.0.1:8082')
    for (const clerk of plan.clerks) expect(clerk.env.CLERK_HOST).toBe('127.0.0.1')
  })

  it("lists the machine's outside IPv4 addresses for 0.0.0.0, the address itself otherwise, none on loopback", () => {
    const interfaces = { lo: [nic('127.0.0.1', 'IPv4', true)], eth0: [nic('192.168.1.20', 'IPv4', false), nic('fe80::1', 'IPv6', false)], wlan0: [nic('10.0.0.7', 'IPv4', false)] }
    expect(learnerUrls('0.0.0.0', 8080, interfaces)).toEqual(['http://192.168.1.20:8080/dashboard/learner.html', 'http://10.0.0.7:8080/dashboard/learner.html'])
    expect(learnerUrls('192.168.1.20', 9000, interfaces)).toEqual(['http://192.168.1.20:9000/dashboard/learner.html'])
    expect(learnerUrls('127.0.0.1', 8080, interfaces)).toEqual([])
  })

  it('prints the learners’ address in the banner, without the token', () => {
    const info = {
      proxyPort: 8080,
      clerks: [{ id: 'clerk-a', port: 8081 }],
      redis: { kind: 'external' as const, url: 'redis://127.0.0.1:6379' },
      redisUrl: 'redis://127.0.0.1:6379',
      adminToken: 'secret-token-1',
      adminTokenGenerated: false,
      stateFile: '/tmp/clerk-cluster-8080.json',
    }
    expect(renderBanner(info)).not.toContain('learners')
    const line = renderBanner({ ...info, learnerUrls: ['http://192.168.1.20:8080/'] })
      .split('\n')
      .find((l) => l.includes('learners'))
    expect(line).toContain('http://192.168.1.20:8080/')
    expect(line).not.toContain('secret-token-1')
  })

  it('draws the learner address as a QR code a camera reads: finder patterns in the corners, black on white', async () => {
    const qr = await learnerQrCode('http://192.168.1.20:8080/dashboard/learner.html')
    const rows = qr.trimEnd().split('\n')
    // a version-3 code is 29 modules, plus a quiet zone: about 17 lines of text in small mode
    expect(rows.length).toBeGreaterThanOrEqual(12)
    expect(rows.length).toBeLessThanOrEqual(30)
    // the top-left finder pattern: a solid run of 7 modules
    expect(rows[1]).toContain('█ ▄▄▄ █')
    // another address, another code
    expect(await learnerQrCode('http://10.0.0.7:8080/dashboard/learner.html')).not.toBe(qr)
  })
})
