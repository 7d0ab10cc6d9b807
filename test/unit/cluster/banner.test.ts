import { describe, expect, it } from 'vitest'
import { renderBanner } from '../../../services/cluster/banner.js'

const info = {
  proxyPort: 8080,
  clerks: [
    { id: 'clerk-a', port: 8081 },
    { id: 'clerk-b', port: 8082 },
    { id: 'clerk-c', port: 8083 },
  ],
  redis: { kind: 'private' as const, dataDir: '/home/u/.local/state/clerk-cluster/redis-8080', appendFsync: 'everysec' as const, maxMemory: '1gb' },
  redisUrl: 'redis://127.0.0.1:40000',
  adminToken: 'tok',
  adminTokenGenerated: true,
  stateFile: '/tmp/clerk-cluster-8080.json',
}

describe('the npm start banner', () => {
  it('says where to go, with the token for the dashboard', () => {
    const text = renderBanner(info)
    expect(text).toContain('http://localhost:8080/#token=tok')
    expect(text).toContain('clerk-a :8081, clerk-b :8082, clerk-c :8083')
  })

  it('shows the dialogue with a cookie jar, and the stateless context', () => {
    const text = renderBanner(info)
    expect(text).toMatch(/curl -b \S+ -c \S+ .*stateful\/ask/)
    expect(text).toContain('/shared/')
    expect(text).toMatch(/"context":"<context from ask>","quantity":2.*stateless\/buy/)
  })

  it('shows how to break things, with PROXY_PORT when it is not the default', () => {
    expect(renderBanner(info)).toContain('npm run chaos -- kill clerk-b')
    expect(renderBanner({ ...info, proxyPort: 9000 })).toContain('PROXY_PORT=9000 npm run chaos -- kill clerk-b')
    // and the dashboard's policy switch, which the workshop's terminal steps use
    expect(renderBanner(info)).toContain('npm run chaos -- policy stateful round-robin')
  })

  it('says how to get Redis when there is none', () => {
    const text = renderBanner({ ...info, redis: { kind: 'absent', url: 'redis://127.0.0.1:1' } })
    expect(text).toContain('Get Redis: npm run setup')
    expect(text).toContain('REDIS_URL=')
  })

  it('never prints the password of an external REDIS_URL', () => {
    const url = 'redis://app:s3cret@cache.internal:6379/0'
    const text = renderBanner({ ...info, redis: { kind: 'external', url }, redisUrl: url })
    expect(text).toContain('redis://app:***@cache.internal:6379/0 (REDIS_URL)')
    expect(text).not.toContain('s3cret')
  })

  it('says where the private Redis keeps its data, or that the run is a throwaway', () => {
    const kept = renderBanner(info)
    expect(kept).toContain('append-only file fsynced every second')
    expect(kept).toContain('data kept in /home/u/.local/state/clerk-cluster/redis-8080 (CLUSTER_REDIS_DATA_DIR)')
    const throwaway = renderBanner({ ...info, redis: { ...info.redis, dataDir: undefined, appendFsync: 'always' } })
    expect(throwaway).toContain('fsynced on every write')
    expect(throwaway).toContain('throwaway run (CLUSTER_REDIS_THROWAWAY=1)')
  })
})
