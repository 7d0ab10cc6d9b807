import { describe, expect, it } from 'vitest'
import { clerkId, NO_REDIS_URL, planCluster, planRedis } from '../../../services/cluster/plan.js'

const input = {
  proxyPort: 8080,
  clerkCount: 3,
  redisUrl: 'redis://127.0.0.1:41234',
  adminToken: 'token-123',
  sessionSecret: 's'.repeat(40),
  launcherUrl: 'http://127.0.0.1:45555',
  logLevel: 'warn',
}

describe('planCluster', () => {
  it('names the clerks clerk-a, clerk-b, clerk-c on the ports after the proxy', () => {
    const plan = planCluster(input)
    expect(plan.clerks.map((c) => [c.id, c.port])).toEqual([
      ['clerk-a', 8081],
      ['clerk-b', 8082],
      ['clerk-c', 8083],
    ])
    expect(plan.proxy.port).toBe(8080)
  })

  it('gives every clerk the same Redis, session secret and admin token', () => {
    const plan = planCluster(input)
    for (const clerk of plan.clerks) {
      expect(clerk.env).toMatchObject({
        CLERK_PORT: String(clerk.port),
        CLERK_ID: clerk.id,
        REDIS_URL: input.redisUrl,
        SESSION_SECRET: input.sessionSecret,
        ADMIN_TOKEN: input.adminToken,
        CLERK_HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
      })
      expect(clerk.script).toBe('services/clerk/main.js')
      expect(clerk.kind).toBe('clerk')
    }
  })

  it('points the proxy at every clerk and at the launcher API', () => {
    const { proxy } = planCluster(input)
    expect(proxy.script).toBe('proxy/main.js')
    expect(proxy.env).toMatchObject({
      PROXY_PORT: '8080',
      PROXY_CLERKS: 'clerk-a=http://127.0.0.1:8081,clerk-b=http://127.0.0.1:8082,clerk-c=http://127.0.0.1:8083',
      PROXY_LAUNCHER_URL: input.launcherUrl,
      ADMIN_TOKEN: input.adminToken,
    })
  })

  it('follows CLERK_COUNT and PROXY_PORT', () => {
    const plan = planCluster({ ...input, proxyPort: 9000, clerkCount: 5 })
    expect(plan.clerks.map((c) => c.id)).toEqual(['clerk-a', 'clerk-b', 'clerk-c', 'clerk-d', 'clerk-e'])
    expect(plan.clerks.at(-1)?.port).toBe(9005)
  })

  it('returns frozen specs', () => {
    const plan = planCluster(input)
    expect(Object.isFrozen(plan)).toBe(true)
    expect(Object.isFrozen(plan.clerks[0]?.env)).toBe(true)
  })
})

describe('clerkId', () => {
  it('runs from clerk-a to clerk-z and refuses beyond', () => {
    expect(clerkId(0)).toBe('clerk-a')
    expect(clerkId(25)).toBe('clerk-z')
    expect(() => clerkId(26)).toThrow(RangeError)
  })
})

describe('planRedis', () => {
  const own = { dataDir: '/var/lib/x', appendFsync: 'everysec' as const, maxMemory: '1gb' }
  it('uses REDIS_URL when it is given, even with redis-server on PATH', () => {
    expect(planRedis('redis://10.0.0.5:6379', true, own)).toEqual({ kind: 'external', url: 'redis://10.0.0.5:6379' })
  })
  it('runs a private redis-server when there is one on PATH', () => {
    expect(planRedis(undefined, true, own)).toEqual({ kind: 'private', ...own })
  })
  it('runs without Redis otherwise, pointing clerks at a port that refuses at once', () => {
    expect(planRedis(undefined, false, own)).toEqual({ kind: 'absent', url: NO_REDIS_URL })
  })
})
